/**
 * Queues as plain data, read by the CDK stack and by the local stack (fauxqs), so names,
 * redrive and timeouts are written once.
 */
export interface QueueDefinition {
  /** Logical id; also the env var prefix producers get (`ORDER_EVENTS_QUEUE_URL`). */
  readonly id: 'orderEvents';
  readonly name: string;
  readonly envVar: string;
  readonly maxReceiveCount: number;
  /** Seconds. Must be at least 6x the consumer's timeout (AWS guidance for SQS triggers). */
  readonly visibilityTimeoutSeconds: number;
  /**
   * Shorter than the DLQ's: a message moved to the DLQ keeps its original enqueue time, so a
   * DLQ that keeps messages no longer than its source drops old failures as they arrive.
   */
  readonly retentionDays: number;
  /** 14 days, SQS's maximum: the time to notice (alarm) and redrive. */
  readonly deadLetterRetentionDays: number;
}

export const queueDefinitions = {
  orderEvents: {
    id: 'orderEvents',
    name: 'order-events',
    envVar: 'ORDER_EVENTS_QUEUE_URL',
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 180,
    // Events are processed within seconds; 4 days covers a long outage of the processor.
    retentionDays: 4,
    deadLetterRetentionDays: 14,
  },
} as const satisfies Record<string, QueueDefinition>;

export type QueueId = keyof typeof queueDefinitions;

export const deadLetterQueueName = (queue: QueueDefinition): string => `${queue.name}-dlq`;
