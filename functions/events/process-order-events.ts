import { processBatch } from '../../shared/events/event-processor.js';
import { withMetrics } from '../../shared/metrics.js';

/** SQS consumer of `order-events` (ReportBatchItemFailures on the event source mapping). */
export const handler = withMetrics(processBatch);
