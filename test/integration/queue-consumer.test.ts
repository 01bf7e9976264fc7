/**
 * The consumer wired as Lambda wires it (the local event source poller): a poison message is
 * retried and lands in the DLQ after 5 receives, while good messages in the same batches are
 * processed once and deleted.
 */
import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionQueues } from '../../infra/local/provision.js';
import { startQueuePoller, type Poller } from '../../infra/local/queue-poller.js';
import { queueDefinitions } from '../../infra/queue-definitions.js';
import { waitForEmails } from '../support/mail-store.js';

const sqs = new SQSClient({});
let queues: Awaited<ReturnType<typeof provisionQueues>>;
let poller: Poller;
let deliveries = 0;

beforeAll(async () => {
  queues = await provisionQueues(`consumer-it-${randomUUID().slice(0, 8)}-`);
  const { handler } = await import('../../functions/events/process-order-events.js');
  poller = startQueuePoller({
    sqs,
    queueUrl: queues.urls.orderEvents,
    queueName: 'consumer-it',
    consumerName: 'orderEventsProcessor',
    batchSize: 10,
    retryDelaySeconds: 0,
    log: () => undefined,
    consumer: async (event) => {
      deliveries += event.Records.length;
      return handler(event);
    },
  });
});

afterAll(async () => {
  await poller.stop();
});

describe('order-events consumer with redrive', () => {
  it(`moves a poison message to the DLQ after ${queueDefinitions.orderEvents.maxReceiveCount} receives; good messages are processed once`, async () => {
    const email = `dlq-${randomUUID().slice(0, 8)}@example.com`;
    const poison = `{"type":"user.registered","id":"${randomUUID()}","occurredAt":"now","data":{"email":42}}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.urls.orderEvents, MessageBody: poison }));
    const good = { type: 'user.registered', id: randomUUID(), occurredAt: new Date().toISOString(), data: { userId: 'u', email, name: 'Dee' } };
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.urls.orderEvents, MessageBody: JSON.stringify(good) }));
    // The same event sent twice by a producer retry: still one email.
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.urls.orderEvents, MessageBody: JSON.stringify(good) }));

    let dead: string | undefined;
    const deadline = Date.now() + 30_000;
    while (!dead && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues.deadLetterUrls.orderEvents, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      dead = Messages[0]?.Body;
    }
    expect(dead).toBe(poison);
    expect(deliveries).toBeGreaterThanOrEqual(queueDefinitions.orderEvents.maxReceiveCount + 2);
    // Give a wrongly sent second email time to show up before counting.
    const emails = await waitForEmails(process.env.SES_STORE_URL!, email, 2, 2000);
    expect(emails).toHaveLength(1);
  });
});
