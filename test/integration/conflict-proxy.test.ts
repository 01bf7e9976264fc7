/**
 * The conflict proxy in front of the real DynamoDB Local: parallel transactions on one item
 * conflict as they would on AWS, transactions on distinct items don't, and no write is lost.
 * The test starts its own proxy (its own counters) in front of DynamoDB Local itself.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startConflictProxy, type ConflictProxy } from '../../infra/local/conflict-proxy.js';

const tableName = process.env.TABLE_NAME!;
const directUrl = process.env.DYNAMODB_DIRECT_URL ?? process.env.AWS_ENDPOINT_URL_DYNAMODB;

let proxy: ConflictProxy;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  if (!directUrl) throw new Error('Neither DYNAMODB_DIRECT_URL nor AWS_ENDPOINT_URL_DYNAMODB is set');
  proxy = await startConflictProxy({ target: directUrl });
  // One attempt: a retry would hide the conflicts this test counts.
  client = new DynamoDBClient({ endpoint: proxy.url, maxAttempts: 1 });
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  client?.destroy();
  await proxy?.close();
});

const increment = (pk: string) =>
  documents.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: { pk, sk: 'COUNTER' },
            UpdateExpression: 'ADD #n :one SET gsi1pk = :hot, gsi1sk = :pk',
            ExpressionAttributeNames: { '#n': 'n' },
            ExpressionAttributeValues: { ':one': 1, ':hot': 'CONFLICT-PROXY-TEST', ':pk': pk },
          },
        },
      ],
    }),
  );

/** Runs all at once; returns how many succeeded and the cancellation reasons of the others. */
async function runParallel(requests: Promise<unknown>[]) {
  const results = await Promise.allSettled(requests);
  const cancelled = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  for (const error of cancelled) expect(error).toBeInstanceOf(TransactionCanceledException);
  return {
    succeeded: results.length - cancelled.length,
    reasons: cancelled.map((error) => (error as TransactionCanceledException).CancellationReasons),
  };
}

describe('conflict proxy in front of DynamoDB Local', () => {
  it('cancels some of 40 parallel transactions on one item with TransactionConflict, and loses no write', async () => {
    const pk = `CONFLICT#${randomUUID()}`;
    const before = proxy.stats();
    const { succeeded, reasons } = await runParallel(Array.from({ length: 40 }, () => increment(pk)));

    expect(reasons.length).toBeGreaterThan(0);
    expect(succeeded).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toEqual([{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }]);
    const item = await documents.send(new GetCommand({ TableName: tableName, Key: { pk, sk: 'COUNTER' }, ConsistentRead: true }));
    expect(item.Item?.n).toBe(succeeded);

    await proxy.settled();
    const stats = proxy.stats();
    expect(stats.transactionConflicts - before.transactionConflicts).toBe(reasons.length);
    expect(stats.heldItems).toBe(0);
    expect(proxy.hottestKeys(1000).find((hot) => hot.index === 'table' && hot.key === pk)?.writes).toBe(succeeded);
    console.log(`[conflict-proxy] 40 parallel transactions on one item: ${succeeded} committed, ${reasons.length} cancelled`);
  });

  it('cancels none of 40 parallel transactions on distinct items', async () => {
    const run = randomUUID();
    const pks = Array.from({ length: 40 }, (_, index) => `CONFLICT#${run}#${index}`);
    const { succeeded, reasons } = await runParallel(pks.map(increment));
    expect(reasons).toEqual([]);
    expect(succeeded).toBe(40);
    // All 40 wrote the same gsi1 partition key: the counter sees it as one hot GSI key.
    await proxy.settled();
    const hot = proxy.hottestKeys(1000).find((key) => key.index === 'gsi1' && key.key === 'CONFLICT-PROXY-TEST');
    expect(hot?.writes).toBeGreaterThanOrEqual(40);
  });

  it('answers TransactionConflictException to a PutItem on an item a transaction holds', async () => {
    // A slow commit keeps the item held long enough to race it deterministically.
    const slow = await startConflictProxy({ target: directUrl!, transactionLatencyMs: 300 });
    const slowClient = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: slow.url, maxAttempts: 1 }));
    try {
      const pk = `CONFLICT#${randomUUID()}`;
      const transaction = slowClient.send(
        new TransactWriteCommand({ TransactItems: [{ Put: { TableName: tableName, Item: { pk, sk: 'COUNTER', n: 1 } } }] }),
      );
      await vi.waitFor(() => expect(slow.stats().heldItems).toBe(1));
      await expect(slowClient.send(new PutCommand({ TableName: tableName, Item: { pk, sk: 'COUNTER', n: 2 } }))).rejects.toMatchObject({
        name: 'TransactionConflictException',
      });
      await transaction;
      await expect(slowClient.send(new PutCommand({ TableName: tableName, Item: { pk, sk: 'COUNTER', n: 3 } }))).resolves.toBeDefined();
      expect(slow.stats()).toMatchObject({ singleWriteConflicts: 1, heldItems: 0 });
    } finally {
      slowClient.destroy();
      await slow.close();
    }
  });
});
