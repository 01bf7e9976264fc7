import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/logger.js';
import { withMetrics } from '../../shared/metrics.js';
import { sendReminders } from '../../shared/schedules/send-reminders.js';

/** EventBridge, hourly: one payment reminder and one fulfilment reminder per order, at most. */
export const handler = withMetrics(async (event: ScheduledEvent) => {
  const startedAt = Date.now();
  const result = await sendReminders();
  logger.info('sendReminders', { eventId: event.id, ...result, ms: Date.now() - startedAt });
  const failed = result.payment.failed + result.fulfilment.failed;
  if (failed > 0) throw new Error(`${failed} reminder claims failed (see the errors above); the next run retries`);
  return result;
});
