import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/logger.js';
import { withMetrics } from '../../shared/metrics.js';
import { lowStockAlerts } from '../../shared/schedules/low-stock-alerts.js';

/** EventBridge, hourly: one low-stock alert per product each time it falls to its threshold. */
export const handler = withMetrics(async (event: ScheduledEvent) => {
  const startedAt = Date.now();
  const result = await lowStockAlerts();
  logger.info('lowStockAlerts', { eventId: event.id, ...result, ms: Date.now() - startedAt });
  if (result.failed > 0) throw new Error(`${result.failed} products could not be checked (see the errors above); the next run retries`);
  return result;
});
