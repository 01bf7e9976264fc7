import { processBatch } from '../../shared/events/event-processor.js';

/** SQS consumer of `order-events` (ReportBatchItemFailures on the event source mapping). */
export const handler = processBatch;
