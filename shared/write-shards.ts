/**
 * Write-sharded index partitions (pure key functions; `queryShards` in pagination.ts reads them).
 *
 * DynamoDB takes about 1,000 write units a second per partition key value, GSIs included, so an
 * index key that every order (or every payment, shipment) writes is a shop-wide ceiling. Such a
 * key is split into WRITE_SHARDS values, `<base>#0` … `<base>#15`, the shard picked from a hash
 * of the item's id (stable: an order keeps its shard when its status moves). Reads query every
 * shard in parallel and merge by sort key; the cursor holds only the last sort key returned
 * (sort keys end with the item's id, so they are unique), signed like every cursor.
 */
import { createHash } from 'node:crypto';

/** With 16 shards each takes ~6 % of the key's writes: ~16,000 writes/s before any one is hot. */
export const WRITE_SHARDS = 16;

export const shardOf = (id: string): number => createHash('sha256').update(id).digest().readUInt16BE(0) % WRITE_SHARDS;
export const shardedPartition = (base: string, id: string): string => `${base}#${shardOf(id)}`;
export const allShards = (base: string): string[] => Array.from({ length: WRITE_SHARDS }, (_, shard) => `${base}#${shard}`);
