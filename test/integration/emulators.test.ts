/**
 * Proves the local stand-ins behave like the AWS services the handlers rely on. Every client
 * below is created with no options: endpoints, region and credentials come only from the
 * standard environment variables set by test/support/emulator-env.ts.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { ListEmailTemplatesCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulators } from '../../infra/local/emulators.js';
import { provisionQueues } from '../../infra/local/provision.js';
import { queueDefinitions } from '../../infra/queue-definitions.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; is test/support/emulator-env.ts a setupFile?`);
  return value;
};

const tableName = env('TABLE_NAME');
const dynamodb = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(dynamodb);
const sqs = new SQSClient({});
const ses = new SESv2Client({});

afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
  ses.destroy();
});

describe('environment', () => {
  it('points every SDK client at the emulators through AWS_ENDPOINT_URL_* only', async () => {
    for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_SESV2']) {
      expect(env(name)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    // Clients given no endpoint send their requests to the emulators (checked on the wire).
    const seen: string[] = [];
    const origin = (request: unknown) => {
      const { protocol, hostname, port } = request as { protocol: string; hostname: string; port?: number };
      return `${protocol}//${hostname}:${port}`;
    };
    const [d, q, s] = [new DynamoDBClient({}), new SQSClient({}), new SESv2Client({})];
    const step = { step: 'finalizeRequest' } as const;
    d.middlewareStack.add((next) => (args) => (seen.push(origin(args.request)), next(args)), step);
    q.middlewareStack.add((next) => (args) => (seen.push(origin(args.request)), next(args)), step);
    s.middlewareStack.add((next) => (args) => (seen.push(origin(args.request)), next(args)), step);
    await d.send(new ListTablesCommand({}));
    await q.send(new ListQueuesCommand({}));
    await s.send(new ListEmailTemplatesCommand({}));
    [d, q, s].forEach((client) => client.destroy());
    expect(seen).toEqual([env('AWS_ENDPOINT_URL_DYNAMODB'), env('AWS_ENDPOINT_URL_SQS'), env('AWS_ENDPOINT_URL_SESV2')]);
  });
});

describe('DynamoDB Local', () => {
  it('has the provisioned table: on-demand, both GSIs projecting ALL, TTL on `ttl`', async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((gsi) => [gsi.IndexName, gsi.Projection?.ProjectionType]);
    expect(indexes.sort()).toEqual([
      ['gsi1', 'ALL'],
      ['gsi2', 'ALL'],
    ]);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });

  it('runs conditional transactions atomically: 50 parallel orders on 20 units → exactly 20 succeed', async () => {
    // DynamoDB Local itself, which runs transactions one at a time (behind the conflict proxy,
    // as on AWS, overlapping ones are cancelled instead: conflict-proxy.test.ts).
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_DIRECT_URL }));
    const productKey = { pk: `PRODUCT#${randomUUID()}`, sk: 'PRODUCT' };
    await documents.send(new PutCommand({ TableName: tableName, Item: { ...productKey, stock: 20 } }));

    const attempts = Array.from({ length: 50 }, (_, i) =>
      documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: productKey,
                UpdateExpression: 'SET stock = stock - :one',
                ConditionExpression: 'stock >= :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: { pk: `ORDER#${productKey.pk}#${i}`, sk: 'ORDER', product: productKey.pk },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
    const results = await Promise.allSettled(attempts);

    const succeeded = results.filter((r) => r.status === 'fulfilled');
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(succeeded).toHaveLength(20);
    expect(failed).toHaveLength(30);
    for (const error of failed) {
      expect(error).toBeInstanceOf(TransactionCanceledException);
      const reasons = (error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code);
      expect(reasons).toEqual(['ConditionalCheckFailed', 'None']);
    }
    const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: productKey, ConsistentRead: true }));
    expect(Item?.stock).toBe(0);
  });

  it('queries a GSI by partition key and sort-key prefix, in sort order', async () => {
    const customer = `CUSTOMER#${randomUUID()}`;
    const items = [
      { pk: `ORDER#${randomUUID()}`, sk: 'ORDER', gsi1pk: customer, gsi1sk: 'ORDER#2026-02-01' },
      { pk: `ORDER#${randomUUID()}`, sk: 'ORDER', gsi1pk: customer, gsi1sk: 'ORDER#2026-01-01' },
      { pk: `REVIEW#${randomUUID()}`, sk: 'REVIEW', gsi1pk: customer, gsi1sk: 'REVIEW#2026-01-15' },
      { pk: `ORDER#${randomUUID()}`, sk: 'ORDER', gsi1pk: `CUSTOMER#${randomUUID()}`, gsi1sk: 'ORDER#2026-01-01' },
    ];
    await Promise.all(items.map((Item) => documents.send(new PutCommand({ TableName: tableName, Item }))));

    const { Items } = await documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :customer AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':customer': customer, ':prefix': 'ORDER#' },
        ScanIndexForward: false,
      }),
    );
    expect(Items?.map((item) => item.gsi1sk)).toEqual(['ORDER#2026-02-01', 'ORDER#2026-01-01']);
    expect(Items?.[0]?.pk).toBe(items[0]?.pk); // projection ALL: base-table attributes come back
  });
});

describe('fauxqs (SQS)', () => {
  it('provides ORDER_EVENTS_QUEUE_URL with a redrive policy to ORDER_EVENTS_DLQ_URL', async () => {
    const definition = queueDefinitions.orderEvents;
    const [queue, dlq] = await Promise.all(
      [env('ORDER_EVENTS_QUEUE_URL'), env('ORDER_EVENTS_DLQ_URL')].map((QueueUrl) =>
        sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
      ),
    );
    expect(queue?.Attributes?.VisibilityTimeout).toBe(String(definition.visibilityTimeoutSeconds));
    expect(JSON.parse(queue?.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq?.Attributes?.QueueArn,
      maxReceiveCount: definition.maxReceiveCount,
    });
  });

  it('moves a message received maxReceiveCount (5) times without deletion to the DLQ', async () => {
    // A private copy of the queue pair, so this test never steals messages from other test files.
    const { urls, deadLetterUrls } = await provisionQueues(`redrive-${randomUUID().slice(0, 8)}-`);
    const body = JSON.stringify({ type: 'ORDER_PLACED', id: randomUUID() });
    await sqs.send(new SendMessageCommand({ QueueUrl: urls.orderEvents, MessageBody: body }));

    // VisibilityTimeout 0 on receive: the message is visible again at once (the queue's is 180 s).
    const receive = (QueueUrl: string) =>
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
    for (let attempt = 1; attempt <= queueDefinitions.orderEvents.maxReceiveCount; attempt++) {
      const { Messages } = await receive(urls.orderEvents);
      expect(Messages).toHaveLength(1);
      expect(Messages?.[0]?.Body).toBe(body);
      expect(Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(String(attempt));
    }
    // The 6th receive finds it over the limit and moves it (as SQS does) instead of delivering it.
    expect((await receive(urls.orderEvents)).Messages ?? []).toHaveLength(0);

    const { Messages: dead } = await receive(deadLetterUrls.orderEvents);
    expect(dead?.map((m) => m.Body)).toEqual([body]);
  });
});

describe('aws-ses-v2-local (SES v2)', () => {
  it('records a SendEmail in GET /store with subject and recipient', async () => {
    const subject = `Order confirmed ${randomUUID()}`;
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'shop@example.com',
        Destination: { ToAddresses: ['customer@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: subject },
            Body: { Text: { Data: 'Thanks for your order.' }, Html: { Data: '<p>Thanks for your order.</p>' } },
          },
        },
      }),
    );
    expect(MessageId).toBeTruthy();

    const store = (await (await fetch(env('SES_STORE_URL'))).json()) as {
      emails: { messageId: string; from: string; subject: string; destination: { to: string[] }; body: { text?: string } }[];
    };
    const email = store.emails.find((e) => e.messageId === MessageId);
    expect(email).toMatchObject({
      from: 'shop@example.com',
      subject,
      destination: { to: ['customer@example.com'] },
      body: { text: 'Thanks for your order.' },
    });
  });
});

describe('startEmulators()', () => {
  it('keeps DynamoDB data in persistDir across restarts, and stop() leaves no process or port behind', async () => {
    const persistDir = path.join(await mkdtemp(path.join(tmpdir(), 'emulators-test-')), 'nested', 'db');
    // The 127.0.0.1 launcher (DynamoDbLocalOnLoopback), or the jar itself where Java cannot compile it.
    const dynamoDbLocalProcesses = (port: string) => pgrep(`(DynamoDbLocalOnLoopback 127\\.0\\.0\\.1|DynamoDBLocal\\.jar) -port ${port} `);
    try {
      const first = await startEmulators({ persistDir });
      const port = new URL(first.endpoints.dynamodb).port;
      const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: first.endpoints.dynamodb }));
      try {
        expect(dynamoDbLocalProcesses(port)).toHaveLength(1);
        await client.send(
          new CreateTableCommand({
            TableName: 'persisted',
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          }),
        );
        await client.send(new PutCommand({ TableName: 'persisted', Item: { pk: 'kept' } }));
      } finally {
        client.destroy();
        await first.stop();
      }
      expect(dynamoDbLocalProcesses(port)).toEqual([]);
      await expect(fetch(first.endpoints.sqs)).rejects.toThrow();
      await expect(fetch(first.mailViewerUrl)).rejects.toThrow();

      const second = await startEmulators({ persistDir });
      const again = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: second.endpoints.dynamodb }));
      try {
        const { Item } = await again.send(new GetCommand({ TableName: 'persisted', Key: { pk: 'kept' } }));
        expect(Item).toEqual({ pk: 'kept' });
      } finally {
        again.destroy();
        await second.stop();
      }
    } finally {
      await rm(path.dirname(path.dirname(persistDir)), { recursive: true, force: true });
    }
  });

  it('explains how to install Java when `java` is missing', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startEmulators({})).rejects.toThrow(/apt-get install -y openjdk-17-jre-headless/);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

function pgrep(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
