/**
 * `npm run dlq:redrive` (infra/ops/redrive-dlq.ts) against fauxqs. Each test makes its own
 * queue pair with the production redrive policy (provisionQueues with a unique prefix), since
 * other integration tests use the shared order-events queues concurrently.
 *
 * fauxqs has no StartMessageMoveTask (it answers InvalidAction; asserted below, so a fauxqs
 * that gains it fails here and the move-task path can then be tested for real): `auto` takes
 * the receive-and-resend path. The move-task path is unit-tested with a mocked SQS client
 * (test/unit/dlq-redrive.test.ts).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/app-function.js';
import { provisionQueues } from '../../infra/local/provision.js';
import { redriveDeadLetterQueue } from '../../infra/ops/redrive-dlq.js';
import { queueDefinitions } from '../../infra/queue-definitions.js';

const sqs = new SQSClient({});
const created: string[] = [];

afterAll(async () => {
  await Promise.all(created.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined)));
  sqs.destroy();
});

/** A fresh order-events queue and DLQ, wired like production (maxReceiveCount 5). */
async function queuePair(label: string): Promise<{ source: string; dlq: string }> {
  const { urls, deadLetterUrls } = await provisionQueues(`redrive-${label}-${randomUUID().slice(0, 8)}-`);
  created.push(urls.orderEvents, deadLetterUrls.orderEvents);
  return { source: urls.orderEvents, dlq: deadLetterUrls.orderEvents };
}

const event = (n: number, tag: string) => JSON.stringify({ type: 'order.status_changed', id: `${tag}-${n}`, occurredAt: new Date().toISOString(), data: { n } });

/** Sends bodies straight to a queue, 10 per batch, each with a message attribute. */
async function sendAll(queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const batch = bodies.slice(i, i + 10);
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((body, j) => ({ Id: String(j), MessageBody: body, MessageAttributes: { origin: { DataType: 'String', StringValue: `sent-${i + j}` } } })),
      }),
    );
    expect(result.Failed ?? []).toEqual([]);
  }
}

/**
 * Poison messages the way production makes them: received maxReceiveCount times without
 * being deleted, after which fauxqs moves them to the DLQ (on the next receive).
 */
async function poison(queues: { source: string; dlq: string }, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queues.source, MessageBody: body }));
  for (let receive = 0; receive <= queueDefinitions.orderEvents.maxReceiveCount; receive++) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.source, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
  }
  expect(await size(queues.source)).toBe(0);
}

/** Visible + in flight + delayed. */
async function size(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) + Number(Attributes.ApproximateNumberOfMessagesDelayed);
}

/** Every message of a queue: receives (deleting nothing, hiding each for a minute) until one answers empty. */
async function drain(queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

describe('dlq:redrive against fauxqs', () => {
  it('fauxqs has no StartMessageMoveTask (InvalidAction), so the fallback is what runs locally', async () => {
    const queues = await queuePair('probe');
    const arn = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const error = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: await arn(queues.dlq), DestinationArn: await arn(queues.source) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toMatch(/InvalidAction$/);
  });

  it('moves 25 dead letters back to the source exactly once and leaves the DLQ empty', async () => {
    const queues = await queuePair('all');
    const tag = randomUUID().slice(0, 8);
    const poisoned = [0, 1, 2].map((n) => event(n, tag));
    const direct = Array.from({ length: 22 }, (_, i) => event(i + 3, tag));
    await poison(queues, poisoned);
    await sendAll(queues.dlq, direct);
    expect(await size(queues.dlq)).toBe(25);

    const log: string[] = [];
    const result = await redriveDeadLetterQueue({ client: sqs, sourceQueueUrl: queues.source, deadLetterQueueUrl: queues.dlq, log: (line) => log.push(line) });

    expect(result).toMatchObject({ method: 'resend', before: 25, moved: 25, failed: 0, returned: 0, after: 0 });
    expect(result.fallbackReason).toMatch(/StartMessageMoveTask unsupported.*InvalidAction/);
    expect(log.join('\n')).toContain('25 resent');
    const arrived = await drain(queues.source);
    const bodies = arrived.map((m) => m.Body!);
    expect(bodies).toHaveLength(25);
    expect(new Set(bodies).size).toBe(25);
    expect([...bodies].sort()).toEqual([...poisoned, ...direct].sort());
    // Message attributes travel with the body.
    const origins = arrived.map((m) => m.MessageAttributes?.origin?.StringValue).filter(Boolean);
    expect(origins.sort()).toEqual(direct.map((_, i) => `sent-${i}`).sort());
    expect(await size(queues.dlq)).toBe(0);
    expect(await drain(queues.dlq)).toEqual([]);
  });

  it('forced `move-task` fails where the endpoint lacks it, and moves nothing', async () => {
    const queues = await queuePair('forced');
    await sendAll(queues.dlq, [event(1, 'forced'), event(2, 'forced')]);
    await expect(redriveDeadLetterQueue({ client: sqs, sourceQueueUrl: queues.source, deadLetterQueueUrl: queues.dlq, method: 'move-task' })).rejects.toThrow();
    expect(await size(queues.dlq)).toBe(2);
    expect(await size(queues.source)).toBe(0);
  });

  it('leaves messages that reached the DLQ after the run began (moved, failed again): no redrive loop', async () => {
    const queues = await queuePair('returned');
    const earlier = Array.from({ length: 12 }, (_, i) => event(i, 'early'));
    const later = Array.from({ length: 5 }, (_, i) => event(i, 'late'));
    await sendAll(queues.dlq, earlier);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sendAll(queues.dlq, later);

    const result = await redriveDeadLetterQueue({ client: sqs, sourceQueueUrl: queues.source, deadLetterQueueUrl: queues.dlq, method: 'resend', startedAt, visibilityTimeoutSeconds: 1 });

    expect(result).toMatchObject({ method: 'resend', before: 17, moved: 12, failed: 0, returned: 5 });
    expect(result.fallbackReason).toBeUndefined();
    expect((await drain(queues.source)).map((m) => m.Body).sort()).toEqual([...earlier].sort());
    // Still in the DLQ, visible again after the short visibility timeout.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await drain(queues.dlq)).map((m) => m.Body).sort()).toEqual([...later].sort());
  });

  it('`npm run dlq:redrive` (the CLI) reads the queue URLs from the environment and prints the counts', async () => {
    const queues = await queuePair('cli');
    const bodies = Array.from({ length: 7 }, (_, i) => event(i, 'cli'));
    await sendAll(queues.dlq, bodies);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'infra/ops/redrive-dlq.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ORDER_EVENTS_QUEUE_URL: queues.source, ORDER_EVENTS_DLQ_URL: queues.dlq },
      encoding: 'utf8',
    });
    expect(stdout).toContain('method:  receive-and-resend (fallback)');
    expect(stdout).toMatch(/^moved: +7$/m);
    expect(stdout).toMatch(/^failed: +0$/m);
    expect(stdout).toContain('dead-letter queue: 7 before, 0 after');
    expect((await drain(queues.source)).map((m) => m.Body).sort()).toEqual([...bodies].sort());
  });
});
