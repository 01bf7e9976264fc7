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
  readonly retentionDays: number;
}

export const queueDefinitions = {
  orderEvents: {
    id: 'orderEvents',
    name: 'order-events',
    envVar: 'ORDER_EVENTS_QUEUE_URL',
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 180,
    retentionDays: 14,
  },
} as const satisfies Record<string, QueueDefinition>;

export type QueueId = keyof typeof queueDefinitions;

export const deadLetterQueueName = (queue: QueueDefinition): string => `${queue.name}-dlq`;
