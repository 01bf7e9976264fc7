/**
 * Creates the table, queues and images bucket on the local emulators (or any endpoint the environment points
 * at) from the same plain-data definitions the CDK stack uses. Clients are built from the
 * environment only (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_S3`, `AWS_REGION`, ...),
 * so set `Emulators.env` into `process.env` before calling. All functions are idempotent.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  deadLetterQueueName,
  queueDefinitions,
  type QueueDefinition,
  type QueueId,
} from '../queue-definitions.js';
import { tableDefinition } from '../table-definition.js';

/** Creates the single table (PAY_PER_REQUEST, GSIs projecting ALL, stream) and enables TTL. */
export async function provisionTable(tableName: string): Promise<void> {
  const client = new DynamoDBClient({});
  try {
    const keyAttributes = [
      tableDefinition.partitionKey,
      tableDefinition.sortKey,
      ...tableDefinition.globalSecondaryIndexes.flatMap((gsi) => [gsi.partitionKey, gsi.sortKey]),
    ];
    const attributeDefinitions: AttributeDefinition[] = [...new Set(keyAttributes)].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    }));
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions,
          KeySchema: [
            { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
            { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
          ],
          StreamSpecification: { StreamEnabled: true, StreamViewType: tableDefinition.streamViewType },
          GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((gsi) => ({
            IndexName: gsi.indexName,
            KeySchema: [
              { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
              { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }),
      );
    } catch (error) {
      // Already there (persisted data, second `npm start`, ...) → fine.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (described.Table?.TableStatus !== 'ACTIVE') {
      await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
    }
    // A table kept from before the stream existed (`--persist`) gets it now.
    if (!described.Table?.StreamSpecification?.StreamEnabled) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: tableDefinition.streamViewType },
        }),
      );
    }

    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

export interface ProvisionedQueues {
  urls: Record<QueueId, string>;
  deadLetterUrls: Record<QueueId, string>;
}

/**
 * Creates every queue of `queueDefinitions` with its dead-letter queue and redrive policy.
 * `prefix` is prepended to every queue name (e.g. to isolate test runs).
 */
export async function provisionQueues(prefix = ''): Promise<ProvisionedQueues> {
  const client = new SQSClient({});
  try {
    const urls = {} as Record<QueueId, string>;
    const deadLetterUrls = {} as Record<QueueId, string>;
    const definitions: readonly QueueDefinition[] = Object.values(queueDefinitions);
    for (const queue of definitions) {
      const days = (n: number) => String(n * 24 * 60 * 60);
      const dlqUrl = await ensureQueue(client, `${prefix}${deadLetterQueueName(queue)}`, {
        MessageRetentionPeriod: days(queue.deadLetterRetentionDays),
      });
      const dlqArn = await queueArn(client, dlqUrl);
      const url = await ensureQueue(client, `${prefix}${queue.name}`, {
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        MessageRetentionPeriod: days(queue.retentionDays),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: queue.maxReceiveCount,
        }),
      });
      urls[queue.id] = url;
      deadLetterUrls[queue.id] = dlqUrl;
    }
    return { urls, deadLetterUrls };
  } finally {
    client.destroy();
  }
}

/** CreateQueue; when the queue exists with other attributes, converge them instead of failing. */
async function ensureQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  try {
    const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!created.QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
    return created.QueueUrl;
  } catch (error) {
    if (!isQueueNameExists(error)) throw error;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`GetQueueUrl ${name} returned no QueueUrl`);
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl;
  }
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`No QueueArn for ${queueUrl}`);
  return arn;
}

/**
 * Real SQS yields the modelled `QueueNameExists`; fauxqs answers with the awsQuery-style code, which
 * the SDK surfaces as a plain SQSServiceException named `AWS.SimpleQueueService.QueueNameExists`.
 */
const isQueueNameExists = (error: unknown): boolean =>
  error instanceof QueueNameExists ||
  (error instanceof Error && /(^|\.)Queue(NameExists|AlreadyExists)$/.test(error.name));

/**
 * Creates the product images bucket. On AWS it is private and served by CloudFront; locally
 * images are read straight from the emulator (`IMAGES_PUBLIC_URL` = `<S3 endpoint>/<bucket>`).
 */
export async function provisionBucket(name: string): Promise<void> {
  const client = new S3Client({});
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    // us-east-1 S3 (and fauxqs) answer 200 for a bucket you already own; other regions say so.
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  } finally {
    client.destroy();
  }
}
