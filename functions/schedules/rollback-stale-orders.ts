import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/logger.js';
import { countMetric, withMetrics } from '../../shared/metrics.js';
import { rollbackStaleOrders } from '../../shared/schedules/rollback-stale-orders.js';

/** EventBridge, every minute: unpaid pending orders and failed orders give their stock back. */
export const handler = withMetrics(async (event: ScheduledEvent) => {
  const startedAt = Date.now();
  const result = await rollbackStaleOrders();
  countMetric('OrdersRolledBack', result.pending.rolledBack + result.failed.rolledBack);
  logger.info('rollbackStaleOrders', { eventId: event.id, ...result, ms: Date.now() - startedAt });
  const failed = result.pending.failed + result.failed.failed;
  if (failed > 0) throw new Error(`${failed} orders could not be rolled back (see the errors above); the next run retries`);
  return result;
});
