import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/logger.js';
import { countMetric, withMetrics } from '../../shared/metrics.js';
import { releaseExpiredHolds } from '../../shared/schedules/release-expired-holds.js';

/** EventBridge, every minute: release expired cart holds and return their stock. */
export const handler = withMetrics(async (event: ScheduledEvent) => {
  const startedAt = Date.now();
  const result = await releaseExpiredHolds();
  countMetric('HoldsReleased', result.released);
  logger.info('releaseExpiredHolds', { eventId: event.id, ...result, ms: Date.now() - startedAt });
  if (result.failed > 0) throw new Error(`${result.failed} expired holds could not be released (see the errors above); the next run retries`);
  return result;
});
