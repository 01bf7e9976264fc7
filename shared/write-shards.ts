/**
 * Write-sharded index partitions, and ordered pages merged across them.
 *
 * DynamoDB takes about 1,000 write units a second per partition key value, GSIs included, so an
 * index key that every order (or every payment, shipment) writes is a shop-wide ceiling. Such a
 * key is split into WRITE_SHARDS values, `<base>#0` … `<base>#15`, the shard picked from a hash
 * of the item's id (stable: an order keeps its shard when its status moves). Reads query every
 * shard in parallel and merge by sort key; the cursor holds only the last sort key returned
 * (sort keys end with the item's id, so they are unique), signed like every cursor.
 */
import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './clients/dynamodb.js';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';

/** With 16 shards each takes ~6 % of the key's writes: ~16,000 writes/s before any one is hot. */
export const WRITE_SHARDS = 16;

export const shardOf = (id: string): number => createHash('sha256').update(id).digest().readUInt16BE(0) % WRITE_SHARDS;
export const shardedPartition = (base: string, id: string): string => `${base}#${shardOf(id)}`;
export const allShards = (base: string): string[] => Array.from({ length: WRITE_SHARDS }, (_, shard) => `${base}#${shard}`);

type Item = Record<string, unknown>;

export interface ShardedQuery {
  readonly index: 'gsi1' | 'gsi2';
  /** Every shard of the list (`allShards(base)`). */
  readonly partitions: readonly string[];
  /** Inclusive sort-key bounds. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly descending: boolean;
  readonly filter?: { readonly expression: string; readonly names?: Record<string, string>; readonly values?: Record<string, unknown> };
  readonly limit: number;
  readonly cursor: string | undefined;
  /** What the cursor belongs to: a cursor of another query is a 400. */
  readonly scope: string;
  /** Bound on Query calls for one page (filters): the page may then be short, with a cursor. */
  readonly maxReads?: number;
}

interface ShardState {
  readonly partition: string;
  buffer: Item[];
  startKey: Item | undefined;
  exhausted: boolean;
  /** The last sort key this shard's reads reached (everything before it, in page order, was read). */
  reached: string | undefined;
}

/** Which of two sort keys comes first in the page's order. */
const before = (descending: boolean) => (a: string, b: string) => (descending ? a > b : a < b);

/**
 * One page of a list spread over shards, in sort-key order, with no duplicates or gaps across
 * pages. Each shard is read in steps sized to its share of the page; a shard whose buffered
 * items run out is read again before anything after its position is returned.
 */
export async function queryShards(input: ShardedQuery): Promise<Page<Item>> {
  const sortKey = `${input.index}sk`;
  const sk = (item: Item) => item[sortKey] as string;
  const first = before(input.descending);
  const after = decodeCursor(input.cursor, input.scope)?.after as string | undefined;
  // The cursor's key is the last one returned: read from it inclusively, then drop it.
  const lower = input.descending ? input.from : (after ?? input.from);
  const upper = input.descending ? (after ?? input.to) : input.to;
  const condition =
    lower !== undefined && upper !== undefined ? ` AND ${sortKey} BETWEEN :lower AND :upper`
    : lower !== undefined ? ` AND ${sortKey} >= :lower`
    : upper !== undefined ? ` AND ${sortKey} <= :upper`
    : '';
  const filtered = input.filter !== undefined;
  const maxReads = input.maxReads ?? input.partitions.length * (filtered ? 3 : 4);
  const states: ShardState[] = input.partitions.map((partition) => ({ partition, buffer: [], startKey: undefined, exhausted: false, reached: undefined }));
  let reads = 0;
  let scanned = 0;

  const read = async (state: ShardState, size: number) => {
    const result = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: input.index,
        KeyConditionExpression: `${input.index}pk = :partition${condition}`,
        ...(input.filter ? { FilterExpression: input.filter.expression } : {}),
        ...(input.filter?.names ? { ExpressionAttributeNames: input.filter.names } : {}),
        ExpressionAttributeValues: {
          ':partition': state.partition,
          ...(lower !== undefined ? { ':lower': lower } : {}),
          ...(upper !== undefined ? { ':upper': upper } : {}),
          ...input.filter?.values,
        },
        ScanIndexForward: !input.descending,
        Limit: size,
        ExclusiveStartKey: state.startKey,
      }),
    );
    reads += 1;
    scanned += result.ScannedCount ?? 0;
    state.buffer.push(...(result.Items ?? []).filter((item) => sk(item) !== after));
    state.startKey = result.LastEvaluatedKey;
    state.exhausted = !result.LastEvaluatedKey;
    if (result.LastEvaluatedKey) state.reached = result.LastEvaluatedKey[sortKey] as string;
  };

  // A shard's share of the page, with room for the page's uneven spread (filters: more).
  const share = Math.ceil((input.limit + 1) / input.partitions.length);
  const stepSize = filtered ? Math.min(1000, share * 4 + 4) : share + 2;
  await Promise.all(states.map((state) => read(state, stepSize)));

  const out: Item[] = [];
  let stoppedEarly = false;
  while (out.length <= input.limit) {
    const blocked = states.filter((state) => state.buffer.length === 0 && !state.exhausted);
    if (blocked.length > 0) {
      if (reads + blocked.length > maxReads) {
        stoppedEarly = true;
        break;
      }
      await Promise.all(blocked.map((state) => read(state, Math.max(stepSize, input.limit + 1 - out.length))));
      continue;
    }
    let next: ShardState | undefined;
    for (const state of states) if (state.buffer.length > 0 && (!next || first(sk(state.buffer[0]!), sk(next.buffer[0]!)))) next = state;
    if (!next) break;
    out.push(next.buffer.shift()!);
  }

  if (stoppedEarly) {
    // The read bound stopped a filtered page. Every shard was read up to its own position, so
    // all items up to the least advanced position are known: those buffered are returned too,
    // and the next page starts after that position.
    const safe = states
      .filter((state) => !state.exhausted)
      .map((state) => state.reached!)
      .reduce((least, key) => (first(key, least) ? key : least));
    for (const state of states) {
      while (state.buffer.length > 0 && !first(safe, sk(state.buffer[0]!))) out.push(state.buffer.shift()!);
    }
    out.sort((a, b) => (first(sk(a), sk(b)) ? -1 : 1));
    if (out.length <= input.limit) return { items: out, nextCursor: encodeCursor({ after: safe }, input.scope), reads, scanned };
  }
  if (out.length > input.limit) {
    const page = out.slice(0, input.limit);
    return { items: page, nextCursor: encodeCursor({ after: sk(page.at(-1)!) }, input.scope), reads, scanned };
  }
  return { items: out, nextCursor: null, reads, scanned };
}
