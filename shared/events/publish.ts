import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { sqs } from '../clients/sqs.js';
import { readConfig } from '../config.js';
import { logger } from '../logger.js';
import type { DomainEvent, EventData, EventType } from './order-events.js';

const { ORDER_EVENTS_QUEUE_URL: queueUrl } = readConfig(['ORDER_EVENTS_QUEUE_URL']);

/**
 * `options.id`: an explicit, deterministic event id (e.g. `payment-reminder:<orderId>`), so
 * that publishing the same fact twice is deduplicated by the processor; default a new ulid.
 */
export async function publishEvent<T extends EventType>(type: T, data: EventData<T>, options: { id?: string } = {}): Promise<DomainEvent<T>> {
  const event: DomainEvent<T> = { type, id: options.id ?? ulid(), occurredAt: new Date().toISOString(), data };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(event),
      MessageAttributes: { type: { DataType: 'String', StringValue: type } },
    }),
  );
  return event;
}

/**
 * For events that follow a committed state change: the SDK already retried; a failure is
 * logged, not turned into an error response for a write that did happen (and, for password
 * resets, not into a difference between known and unknown emails). See README, known gaps.
 */
export async function publishAfterCommit<T extends EventType>(type: T, data: EventData<T>, options: { id?: string } = {}): Promise<void> {
  try {
    await publishEvent(type, data, options);
  } catch (error) {
    logger.error('event publish failed after commit', { type, error: error as Error });
  }
}
