/**
 * Releases cart holds whose time is up: for each expiry shard, a Query on gsi2
 * `HOLDEXP#<shard>` for sort keys before now (the key starts with the 13-digit expiry), then
 * `removeCartLine(..., { expiredBefore: now })` per hold. That call re-reads the hold
 * consistently and deletes it and returns its stock in one transaction conditioned on the
 * hold being unchanged, so a hold renewed meanwhile stays, and of two runs releasing the same
 * hold at once the second finds it gone: stock comes back exactly once.
 */
import { HOLD_SHARDS, holdExpiryPartition } from '../carts/cart-keys.js';
import { removeCartLine } from '../carts/cart-repository.js';
import { tableName } from '../clients/dynamodb.js';
import { logger } from '../logger.js';
import { conflictFreeLanes, forEachInLanes, JOB_CONCURRENCY, queryBounded } from './batch.js';

/** Holds handled per run (over all shards); a backlog is worked off by the next runs. */
export const MAX_HOLDS_PER_RUN = 1000;

export interface ReleaseResult {
  /** Expired holds found in the index. */
  examined: number;
  /** Released by this run (stock returned). */
  released: number;
  /** Already gone, renewed, or released by a concurrent run. */
  skipped: number;
  /** Errors (logged); the next run tries again. */
  failed: number;
  /** The bound was reached: more expired holds are waiting. */
  more: boolean;
  queries: number;
}

export async function releaseExpiredHolds(options: { now?: number; maxHolds?: number } = {}): Promise<ReleaseResult> {
  const now = options.now ?? Date.now();
  const perShard = Math.max(1, Math.floor((options.maxHolds ?? MAX_HOLDS_PER_RUN) / HOLD_SHARDS));
  const shards = await Promise.all(
    Array.from({ length: HOLD_SHARDS }, (_, shard) =>
      queryBounded(
        {
          TableName: tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :partition AND gsi2sk < :now',
          ExpressionAttributeValues: { ':partition': holdExpiryPartition(shard), ':now': String(now).padStart(13, '0') },
          ProjectionExpression: 'userId, productId',
        },
        perShard,
      ),
    ),
  );
  const holds = shards.flatMap((found) => found.items.map((item) => ({ userId: item.userId as string, productId: item.productId as string })));
  const result: ReleaseResult = {
    examined: holds.length,
    released: 0,
    skipped: 0,
    failed: 0,
    more: shards.some((found) => found.more),
    queries: shards.reduce((sum, found) => sum + found.reads, 0),
  };
  // A release writes the hold, its product and its cart header: holds sharing a product or a
  // cart go one after another.
  const lanes = conflictFreeLanes(holds, (hold) => [`P#${hold.productId}`, `U#${hold.userId}`]);
  await forEachInLanes(lanes, JOB_CONCURRENCY, async ({ userId, productId }) => {
    try {
      if (await removeCartLine(userId, productId, { expiredBefore: now })) result.released += 1;
      else result.skipped += 1;
    } catch (error) {
      result.failed += 1;
      logger.error('expired hold not released', { userId, productId, error: error as Error });
    }
  });
  return result;
}
