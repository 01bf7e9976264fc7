import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/events/process-order-events.js';

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const record = (messageId: string, body: unknown): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:0:order-events',
  awsRegion: 'us-east-1',
});

const welcome = (id: string, name = 'Ann <script>') => ({
  type: 'user.registered',
  id,
  occurredAt: new Date().toISOString(),
  data: { userId: 'u1', email: 'ann@example.com', name },
});

const run = (records: SQSRecord[]) => handler({ Records: records });

beforeEach(() => {
  ddb.reset();
  ses.reset();
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

describe('order-events processor', () => {
  it('sends the welcome email with escaped HTML and a text part, then marks the event done', async () => {
    const result = await run([record('m1', welcome('e1'))]);
    expect(result).toEqual({ batchItemFailures: [] });
    const sent = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(sent.Destination?.ToAddresses).toEqual(['ann@example.com']);
    expect(sent.FromEmailAddress).toBe('shop@example.com');
    expect(sent.Content?.Simple?.Body?.Html?.Data).toContain('Ann &lt;script&gt;');
    expect(sent.Content?.Simple?.Body?.Text?.Data).toContain('Hi Ann <script>');
    const claim = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(claim.Item).toMatchObject({ pk: 'EVENT#e1', status: 'in_progress' });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':done': 'done' });
  });

  it('sends nothing for an event already done (redelivery)', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: { status: { S: 'done' } } }));
    const result = await run([record('m1', welcome('e1'))]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ses.calls()).toHaveLength(0);
  });

  it('fails (for a later retry) an event another consumer is processing right now', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: { status: { S: 'in_progress' } } }));
    const result = await run([record('m1', welcome('e1'))]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(ses.calls()).toHaveLength(0);
  });

  it('reports exactly the failed ids of a mixed batch', async () => {
    ses.on(SendEmailCommand, { Destination: { ToAddresses: ['bad@example.com'] } }).rejects(new Error('SES throttled'));
    const bad = { ...welcome('e3'), data: { userId: 'u3', email: 'bad@example.com', name: 'B' } };
    const result = await run([
      record('ok', welcome('e1')),
      record('poison', '{not json'),
      record('invalid', { type: 'user.registered', id: 'e2', occurredAt: 'x', data: { email: 1 } }),
      record('ses-fails', bad),
      record('unknown', { type: 'future.event', id: 'e4', occurredAt: 'x', data: {} }),
    ]);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['invalid', 'poison', 'ses-fails']);
    // The failed send gives its claim back so the retry is not blocked by its own lease.
    const release = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.pk === 'EVENT#e3');
    expect(release?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':zero': 0 });
  });
});
