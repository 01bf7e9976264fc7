/**
 * Gives back the stock of orders that will never be paid:
 *   `pending` older than PAYMENT_WINDOW_MINUTES → `pending_stock_rolledback`
 *   `failed` (payment failed)                   → `failed_stock_rolledback`
 * Both are Queries on gsi2 `STATUS#<status>` (sort key `<createdAt>#<id>`), then
 * `changeOrderStatus`, whose transaction is conditioned on the status read and on
 * `stockOwned = true` and returns the stock in the same transaction. So an order paid or
 * cancelled meanwhile is skipped (InvalidTransitionError), and two runs (or a run and a
 * cancel) racing on one order return its stock exactly once.
 */
import { tableName } from '../clients/dynamodb.js';
import { NotFoundError } from '../errors.js';
import { publishAfterCommit } from '../events/publish.js';
import { logger } from '../logger.js';
import { statusPartitions } from '../orders/order-keys.js';
import { changeOrderStatus, InvalidTransitionError } from '../orders/order-repository.js';
import type { OrderStatus } from '../orders/order-status.js';
import { toOrderRecord, type OrderRecord } from '../orders/order.js';
import { conflictFreeLanes, forEachInLanes, isoBefore, JOB_CONCURRENCY, queryShardsBounded } from './batch.js';
import { paymentWindowMinutes } from './schedule-config.js';

/** Orders handled per status and run; a backlog is worked off by the next runs. */
export const MAX_ORDERS_PER_RUN = 500;

export interface RollbackCounts {
  examined: number;
  rolledBack: number;
  /** Moved meanwhile (paid, cancelled, rolled back by a concurrent run) or gone. */
  skipped: number;
  failed: number;
  more: boolean;
}

export interface RollbackResult {
  pending: RollbackCounts;
  failed: RollbackCounts;
}

interface Candidate {
  readonly order: OrderRecord;
  readonly counts: RollbackCounts;
  readonly to: OrderStatus;
  readonly note: string;
}

async function candidates(from: OrderStatus, createdBefore: string | undefined, max: number): Promise<{ orders: OrderRecord[]; counts: RollbackCounts }> {
  const found = await queryShardsBounded(
    statusPartitions(from),
    (partition) => ({
      TableName: tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: createdBefore ? 'gsi2pk = :partition AND gsi2sk < :before' : 'gsi2pk = :partition',
      ExpressionAttributeValues: { ':partition': partition, ...(createdBefore ? { ':before': createdBefore } : {}) },
    }),
    max,
  );
  return { orders: found.items.map(toOrderRecord), counts: { examined: found.items.length, rolledBack: 0, skipped: 0, failed: 0, more: found.more } };
}

async function rollBack({ order, counts, to, note }: Candidate): Promise<void> {
  try {
    // The index copy may be stale; the transaction's condition on the status it shows makes
    // that safe (a mismatch re-reads the order and decides again).
    const { order: moved, from } = await changeOrderStatus({ orderId: order.id, order, to, actor: 'scheduler', by: 'scheduler', note });
    counts.rolledBack += 1;
    // The customer hears that the unpaid order was released (a status email, once per event).
    await publishAfterCommit('order.status_changed', { orderId: moved.id, userId: moved.userId, from, to, note });
  } catch (error) {
    if (error instanceof InvalidTransitionError || error instanceof NotFoundError) {
      counts.skipped += 1;
      return;
    }
    counts.failed += 1;
    logger.error('order not rolled back', { orderId: order.id, from: order.status, to, error: error as Error });
  }
}

export async function rollbackStaleOrders(options: { now?: number; maxOrders?: number } = {}): Promise<RollbackResult> {
  const now = options.now ?? Date.now();
  const max = options.maxOrders ?? MAX_ORDERS_PER_RUN;
  const [pending, failed] = await Promise.all([
    candidates('pending', isoBefore(now, paymentWindowMinutes * 60_000), max),
    candidates('failed', undefined, max),
  ]);
  const work: Candidate[] = [
    ...pending.orders.map((order) => ({ order, counts: pending.counts, to: 'pending_stock_rolledback' as const, note: `not paid within ${paymentWindowMinutes} minutes` })),
    ...failed.orders.map((order) => ({ order, counts: failed.counts, to: 'failed_stock_rolledback' as const, note: 'payment failed' })),
  ];
  // A rollback writes every product of the order: orders sharing a product go one after another.
  await forEachInLanes(conflictFreeLanes(work, ({ order }) => order.items.map((line) => `P#${line.productId}`)), JOB_CONCURRENCY, rollBack);
  return { pending: pending.counts, failed: failed.counts };
}
