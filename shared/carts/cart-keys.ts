/**
 * Carts: each line is a stock hold.
 *
 *   hold    pk CART#<userId>  sk ITEM#<productId>  {quantity, expiresAt (epoch ms)}
 *           gsi2 HOLDEXP#<shard> / <expiresAt, 13 digits>#<userId>#<productId>
 *   header  pk CART#<userId>  sk HEADER            {lines}  (the 50-line cap, kept in transactions)
 *
 * A hold owns `quantity` units of the product's stock from the moment it is written until a
 * transaction deletes it (checkout, removal, or the release schedule). Expiry is a time
 * compared by the code, never DynamoDB TTL: `ttl` only collects the garbage days later.
 * Holds are spread over HOLD_SHARDS expiry partitions so the release schedule's queries
 * don't all hit one partition.
 */
import { createHash } from 'node:crypto';

export const HOLD_SHARDS = 4;
export const holdKey = (userId: string, productId: string) => ({ pk: `CART#${userId}`, sk: `ITEM#${productId}` });
export const cartHeaderKey = (userId: string) => ({ pk: `CART#${userId}`, sk: 'HEADER' });
export const holdShard = (userId: string) => createHash('sha256').update(userId).digest()[0]! % HOLD_SHARDS;
export const holdExpiryPartition = (shard: number) => `HOLDEXP#${shard}`;
export const holdExpirySortKey = (expiresAt: number, userId: string, productId: string) =>
  `${String(expiresAt).padStart(13, '0')}#${userId}#${productId}`;

export interface Hold {
  readonly userId: string;
  readonly productId: string;
  readonly quantity: number;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export const toHold = (item: Record<string, unknown>): Hold => ({
  userId: item.userId as string,
  productId: item.productId as string,
  quantity: item.quantity as number,
  expiresAt: item.expiresAt as number,
});
