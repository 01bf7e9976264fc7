/**
 * The schedule jobs' DynamoDB and SQS calls, with aws-sdk-client-mock: which index and key
 * condition each Query uses (never a Scan), the conditional claims, deterministic event ids,
 * bounds per run, and what is skipped rather than failed.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as releaseHandler } from '../../functions/schedules/release-expired-holds.js';
import { HOLD_SHARDS } from '../../shared/carts/cart-keys.js';
import { logger } from '../../shared/logger.js';
import { conflictFreeLanes } from '../../shared/schedules/batch.js';
import { lowStockAction, lowStockAlerts } from '../../shared/schedules/low-stock-alerts.js';
import { releaseExpiredHolds } from '../../shared/schedules/release-expired-holds.js';
import { MAX_ORDERS_PER_RUN, rollbackStaleOrders } from '../../shared/schedules/rollback-stale-orders.js';
import { MAX_REMINDERS_PER_RUN, sendReminders } from '../../shared/schedules/send-reminders.js';
import { shardOf, WRITE_SHARDS } from '../../shared/write-shards.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const NOW = Date.parse('2026-05-01T12:00:00.000Z');
const queries = () => ddb.commandCalls(QueryCommand).map((call) => call.args[0].input as QueryCommandInput);
const commandNames = () => ddb.calls().map((call) => (call.args[0] as object).constructor.name);
const sentBodies = () => sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!) as { type: string; id: string; data: Record<string, unknown> });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
/** Every shard of a write-sharded status list: STATUS#<status>#0 … #15. */
const statusShards = (status: string) => Array.from({ length: WRITE_SHARDS }, (_, shard) => `STATUS#${status}#${shard}`);
/** The shard of its status list an order lives in (it follows the order id). */
const statusShard = (status: string, orderId: string) => `STATUS#${status}#${shardOf(orderId)}`;
const queriesByPartition = () => {
  const byPartition: Record<string, QueryCommandInput[]> = {};
  for (const q of queries()) (byPartition[q.ExpressionAttributeValues![':partition'] as string] ??= []).push(q);
  return byPartition;
};

const order = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  pk: `ORDER#${id}`,
  sk: 'ORDER',
  id,
  userId: `user-${id}`,
  status,
  paymentStatus: 'pending',
  items: [{ productId: 'p1', name: 'Mug', unitPrice: 1000, quantity: 2, lineTotal: 2000 }],
  total: 2000,
  amountPaid: 0,
  amountDue: 2000,
  currency: 'usd',
  shippingAddress: { line1: '1 Road', city: 'Town', postalCode: '1000', country: 'BE' },
  statusHistory: [{ status: 'pending', at: '2026-05-01T11:00:00.000Z', by: `user-${id}` }],
  createdAt: '2026-05-01T11:00:00.000Z',
  updatedAt: '2026-05-01T11:00:00.000Z',
  stockOwned: true,
  ...extra,
});

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
});
afterEach(() => vi.restoreAllMocks());

describe('releaseExpiredHolds', () => {
  it('queries gsi2 HOLDEXP#<shard> for keys before now (13 digits) on every shard; never a Scan', async () => {
    await releaseExpiredHolds({ now: NOW });
    expect(queries()).toHaveLength(HOLD_SHARDS);
    expect(queries().map((q) => q.ExpressionAttributeValues![':partition']).sort()).toEqual(
      Array.from({ length: HOLD_SHARDS }, (_, shard) => `HOLDEXP#${shard}`),
    );
    for (const q of queries()) {
      expect(q).toMatchObject({
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :partition AND gsi2sk < :now',
        ExpressionAttributeValues: { ':now': String(NOW).padStart(13, '0') },
      });
      expect(q.FilterExpression).toBeUndefined();
    }
    expect(String(NOW).padStart(13, '0')).toHaveLength(13);
    expect(commandNames()).not.toContain(ScanCommand.name);
  });

  it('releases an expired hold in one conditional transaction; skips one renewed since the index was read', async () => {
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':partition': 'HOLDEXP#0', ':now': String(NOW).padStart(13, '0') } }).resolves({
      Items: [{ userId: 'u1', productId: 'expired' }, { userId: 'u2', productId: 'renewed' }],
    });
    ddb.on(GetCommand, { Key: { pk: 'CART#u1', sk: 'ITEM#expired' } }).resolves({ Item: { userId: 'u1', productId: 'expired', quantity: 3, expiresAt: NOW - 1000 } });
    ddb.on(GetCommand, { Key: { pk: 'CART#u2', sk: 'ITEM#renewed' } }).resolves({ Item: { userId: 'u2', productId: 'renewed', quantity: 1, expiresAt: NOW + 600_000 } });

    const result = await releaseExpiredHolds({ now: NOW });

    expect(result).toMatchObject({ examined: 2, released: 1, skipped: 1, failed: 0, more: false });
    const transactions = ddb.commandCalls(TransactWriteCommand);
    expect(transactions).toHaveLength(1);
    const [remove, giveBack] = transactions[0]!.args[0].input.TransactItems!;
    expect(remove!.Delete).toMatchObject({
      Key: { pk: 'CART#u1', sk: 'ITEM#expired' },
      ConditionExpression: 'quantity = :oldQuantity AND expiresAt = :oldExpiresAt',
      ExpressionAttributeValues: { ':oldQuantity': 3, ':oldExpiresAt': NOW - 1000 },
    });
    expect(giveBack!.Update).toMatchObject({ Key: { pk: 'PRODUCT#expired', sk: 'PRODUCT' }, UpdateExpression: 'ADD stock :quantity', ExpressionAttributeValues: { ':quantity': 3 } });
  });

  it('is bounded per run: stops paging each shard at its share of maxHolds and reports more', async () => {
    let n = 0;
    ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => ({
      Items: Array.from({ length: input.Limit! }, () => ({ userId: `u${n}`, productId: `p${n++}` })),
      LastEvaluatedKey: { pk: 'x', sk: 'y' },
    }));
    ddb.on(GetCommand).resolves({}); // already gone: nothing to release

    const result = await releaseExpiredHolds({ now: NOW, maxHolds: 400 });

    expect(result).toMatchObject({ examined: 400, released: 0, skipped: 400, more: true });
    for (const q of queries()) expect(q.Limit).toBeLessThanOrEqual(100);
    expect(queries()).toHaveLength(HOLD_SHARDS); // 100 per shard fit in one page each
  });

  it('never has two transactions on one product or one cart in flight (they would conflict on DynamoDB)', async () => {
    // 20 carts holding one hot product; 3 other carts holding 10 other products between them.
    const holds = Array.from({ length: 30 }, (_, i) => ({ userId: i < 20 ? `u${i}` : `v${i % 3}`, productId: i < 20 ? 'hot' : `p${i}` }));
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':partition': 'HOLDEXP#0' } }).resolves({ Items: holds });
    ddb.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({
      Item: { userId: input.Key.pk.slice(5), productId: input.Key.sk.slice(5), quantity: 1, expiresAt: NOW - 1 },
    }));
    const inFlight = new Set<string>();
    let clashes = 0;
    let parallel = 0;
    let maxParallel = 0;
    ddb.on(TransactWriteCommand).callsFake(async (input: { TransactItems: { Update?: { Key: { pk: string } }; Delete?: { Key: { pk: string } } }[] }) => {
      const keys = input.TransactItems.map((item) => (item.Update ?? item.Delete)!.Key.pk);
      if (keys.some((key) => inFlight.has(key))) clashes += 1;
      keys.forEach((key) => inFlight.add(key));
      maxParallel = Math.max(maxParallel, ++parallel);
      await new Promise((resolve) => setTimeout(resolve, 2));
      keys.forEach((key) => inFlight.delete(key));
      parallel -= 1;
      return {};
    });
    const result = await releaseExpiredHolds({ now: NOW });
    expect(result).toMatchObject({ examined: 30, released: 30, failed: 0 });
    expect(clashes).toBe(0);
    expect(maxParallel).toBe(4); // the hot product's lane and the 3 other carts' lanes
  });

  it('the handler logs one line with the counts', async () => {
    const info = vi.spyOn(logger, 'info');
    await releaseHandler({ id: 'evt-1' } as ScheduledEvent);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith('releaseExpiredHolds', expect.objectContaining({ eventId: 'evt-1', examined: 0, released: 0, skipped: 0, failed: 0 }));
  });
});

describe('rollbackStaleOrders', () => {
  it('queries every shard of gsi2 STATUS#pending older than the payment window, and all of every STATUS#failed shard', async () => {
    await rollbackStaleOrders({ now: NOW });
    const byPartition = queriesByPartition();
    expect(Object.keys(byPartition).sort()).toEqual([...statusShards('failed'), ...statusShards('pending')].sort());
    // One Query per shard (nothing to page), each bounded to its share of the run's bound.
    expect(queries()).toHaveLength(2 * WRITE_SHARDS);
    for (const partition of statusShards('pending')) {
      expect(byPartition[partition]).toEqual([
        expect.objectContaining({
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :partition AND gsi2sk < :before',
          ExpressionAttributeValues: { ':partition': partition, ':before': '2026-05-01T11:45:00.000Z' },
          Limit: Math.ceil(MAX_ORDERS_PER_RUN / WRITE_SHARDS),
        }),
      ]);
    }
    for (const partition of statusShards('failed')) {
      expect(byPartition[partition]).toEqual([
        expect.objectContaining({ IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :partition', ExpressionAttributeValues: { ':partition': partition }, Limit: Math.ceil(MAX_ORDERS_PER_RUN / WRITE_SHARDS) }),
      ]);
    }
    expect(commandNames()).not.toContain(ScanCommand.name);
  });

  it('rolls back with the stock in the same transaction, conditioned on status and stockOwned', async () => {
    expect(shardOf('o1')).not.toBe(shardOf('o2'));
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':partition': statusShard('pending', 'o1'), ':before': '2026-05-01T11:45:00.000Z' } }).resolves({ Items: [order('o1', 'pending')] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':partition': statusShard('failed', 'o2') } }).resolves({ Items: [order('o2', 'failed')] });

    const result = await rollbackStaleOrders({ now: NOW });

    expect(result.pending).toMatchObject({ examined: 1, rolledBack: 1, skipped: 0, failed: 0 });
    expect(result.failed).toMatchObject({ examined: 1, rolledBack: 1, skipped: 0, failed: 0 });
    const byOrder = Object.fromEntries(ddb.commandCalls(TransactWriteCommand).map((call) => [call.args[0].input.TransactItems![0]!.Update!.Key!.pk, call.args[0].input.TransactItems!]));
    for (const [id, to, from] of [['o1', 'pending_stock_rolledback', 'pending'], ['o2', 'failed_stock_rolledback', 'failed']] as const) {
      // The order, its list entry and the stock return: no counter (counters come from the table's stream).
      expect(byOrder[`ORDER#${id}`]).toHaveLength(3);
      const [update, , stock] = byOrder[`ORDER#${id}`]!;
      expect(update!.Update!.ConditionExpression).toBe('#status = :from AND stockOwned = :true');
      // The order moves to the same shard of its new status list.
      expect(update!.Update!.ExpressionAttributeValues).toMatchObject({ ':from': from, ':to': to, ':partition': statusShard(to, id), ':false': false });
      expect(update!.Update!.ExpressionAttributeValues![':change']).toEqual([expect.objectContaining({ status: to, by: 'scheduler' })]);
      expect(stock!.Update).toMatchObject({ Key: { pk: 'PRODUCT#p1' }, UpdateExpression: 'ADD stock :quantity', ExpressionAttributeValues: { ':quantity': 2 } });
    }
  });

  it('skips (does not fail) an order paid after the index was read', async () => {
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':partition': statusShard('pending', 'o1'), ':before': '2026-05-01T11:45:00.000Z' } }).resolves({ Items: [order('o1', 'pending')] });
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    ddb.on(GetCommand, { Key: { pk: 'ORDER#o1', sk: 'ORDER' } }).resolves({ Item: order('o1', 'paid') });

    const result = await rollbackStaleOrders({ now: NOW });

    expect(result.pending).toMatchObject({ examined: 1, rolledBack: 0, skipped: 1, failed: 0 });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});

describe('sendReminders', () => {
  const pendingQuery = { ExpressionAttributeValues: { ':partition': statusShard('pending', 'o1'), ':before': '2026-05-01T11:50:00.000Z' } };

  it('queries every shard of pending orders older than 10 min (with at least 2 of their 15 min left) and of paid/processing older than 24 h, not yet reminded', async () => {
    await sendReminders({ now: NOW });
    const byPartition = queriesByPartition();
    expect(Object.keys(byPartition).sort()).toEqual([...statusShards('paid'), ...statusShards('pending'), ...statusShards('processing')].sort());
    // One Query per shard (nothing to page), each bounded to its share of the run's bound.
    expect(queries()).toHaveLength(3 * WRITE_SHARDS);
    for (const partition of statusShards('pending')) {
      expect(byPartition[partition]).toEqual([
        expect.objectContaining({
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :partition AND gsi2sk BETWEEN :after AND :before',
          FilterExpression: 'attribute_not_exists(#sent)',
          ExpressionAttributeNames: { '#sent': 'paymentReminderSentAt' },
          // Placed 10 to 13 minutes ago: older ones have under 2 minutes to pay (issue 12.3).
          ExpressionAttributeValues: { ':partition': partition, ':before': '2026-05-01T11:50:00.000Z', ':after': '2026-05-01T11:47:00.000Z' },
          Limit: Math.ceil(MAX_REMINDERS_PER_RUN / WRITE_SHARDS),
        }),
      ]);
    }
    for (const partition of [...statusShards('paid'), ...statusShards('processing')]) {
      expect(byPartition[partition]).toEqual([
        expect.objectContaining({
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :partition AND gsi2sk < :before',
          FilterExpression: 'attribute_not_exists(#sent)',
          ExpressionAttributeNames: { '#sent': 'fulfilmentReminderSentAt' },
          ExpressionAttributeValues: { ':partition': partition, ':before': '2026-04-30T12:00:00.000Z' },
        }),
      ]);
    }
    expect(commandNames()).not.toContain(ScanCommand.name);
  });

  it('claims with a conditional UpdateItem, then publishes under a deterministic id', async () => {
    ddb.on(QueryCommand, pendingQuery).resolves({ Items: [order('o1', 'pending')] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':partition': statusShard('paid', 'o2') } }).resolves({
      Items: [order('o2', 'paid', { statusHistory: [{ status: 'pending', at: 'a', by: 'u' }, { status: 'paid', at: '2026-04-29T10:05:00.000Z', by: 'stripe' }] })],
    });

    const result = await sendReminders({ now: NOW });

    expect(result.payment).toMatchObject({ examined: 1, sent: 1, skipped: 0, lost: 0 });
    expect(result.fulfilment).toMatchObject({ examined: 1, sent: 1, skipped: 0, lost: 0 });
    const claims = Object.fromEntries(ddb.commandCalls(UpdateCommand).map((call) => [call.args[0].input.Key!.pk, call.args[0].input]));
    expect(claims['ORDER#o1']).toMatchObject({
      UpdateExpression: 'SET #sent = :now',
      ConditionExpression: 'attribute_not_exists(#sent) AND #status IN (:s0)',
      ExpressionAttributeNames: { '#sent': 'paymentReminderSentAt', '#status': 'status' },
      ExpressionAttributeValues: { ':now': new Date(NOW).toISOString(), ':s0': 'pending' },
    });
    expect(claims['ORDER#o2']).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#sent) AND #status IN (:s0, :s1)',
      ExpressionAttributeNames: { '#sent': 'fulfilmentReminderSentAt' },
      ExpressionAttributeValues: { ':s0': 'paid', ':s1': 'processing' },
    });
    const events = sentBodies().sort((a, b) => a.id.localeCompare(b.id));
    expect(events.map((e) => [e.type, e.id])).toEqual([
      ['order.fulfilment_reminder', 'fulfilment-reminder:o2:admin'],
      ['order.fulfilment_reminder', 'fulfilment-reminder:o2:customer'],
      ['order.payment_reminder', 'payment-reminder:o1'],
    ]);
    expect(events[2]!.data).toEqual({ orderId: 'o1', userId: 'user-o1', payBefore: '2026-05-01T11:15:00.000Z' });
    expect(events[0]!.data).toMatchObject({ recipient: 'admin', waitingSince: '2026-04-29T10:05:00.000Z' });
  });

  it('publishes nothing when the claim is lost (another run, or the order moved on)', async () => {
    ddb.on(QueryCommand, pendingQuery).resolves({ Items: [order('o1', 'pending')] });
    ddb.on(UpdateCommand).rejects(conditionFailed());
    const result = await sendReminders({ now: NOW });
    expect(result.payment).toMatchObject({ examined: 1, sent: 0, skipped: 1, failed: 0 });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('a publish failure after the claim is logged and counted as lost; the claim is kept (never a duplicate)', async () => {
    ddb.on(QueryCommand, pendingQuery).resolves({ Items: [order('o1', 'pending')] });
    sqs.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
    const error = vi.spyOn(logger, 'error');
    const result = await sendReminders({ now: NOW });
    expect(result.payment).toMatchObject({ sent: 0, lost: 1, failed: 0 });
    expect(error).toHaveBeenCalledWith(expect.stringContaining('reminder lost'), expect.objectContaining({ orderId: 'o1' }));
    // Only the claim was written: nothing removes paymentReminderSentAt again.
    expect(ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression)).toEqual(['SET #sent = :now']);
  });
});

describe('lowStockAlerts', () => {
  /** What the job reads of each product (besides its keys). */
  const productAttributes = ['id', 'stock', 'lowStockThreshold', 'lowStockAlertedAt', 'deletedAt'];
  const product = (id: string, fields: Record<string, unknown>) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT', id, ...fields });
  /**
   * The catalogue as DynamoDB holds it: the created index items (gsi1 PRODUCTS / C#…, projected
   * to productId) and the product items themselves, read with BatchGetItem.
   */
  function catalogue(products: ReturnType<typeof product>[]) {
    ddb.on(QueryCommand).resolves({ Items: products.map((p) => ({ productId: p.id })) });
    ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
      const keys = input.RequestItems!['unit-table']!.Keys as { pk: string; sk: string }[];
      return { Responses: { 'unit-table': products.filter((p) => keys.some((key) => key.pk === p.pk && key.sk === p.sk)) } };
    });
  }
  const batchGets = () => ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems!['unit-table']!);

  it('reads the created index items through gsi1 PRODUCTS / begins_with C# (productId only; a Query, never a Scan), then the products with BatchGetItem', async () => {
    catalogue([product('a', { stock: 9, lowStockThreshold: 5 }), product('b', { stock: 8, lowStockThreshold: 5 })]);
    const result = await lowStockAlerts({ now: NOW });
    expect(queries()).toHaveLength(1);
    expect(queries()[0]).toMatchObject({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :products AND begins_with(gsi1sk, :created)',
      ProjectionExpression: 'productId',
      ExpressionAttributeValues: { ':products': 'PRODUCTS', ':created': 'C#' },
      Limit: 1000,
    });
    expect(queries()[0]!.FilterExpression).toBeUndefined();
    // The products' current stock, projected to what the job needs (keys always come back).
    const [read] = batchGets();
    expect(batchGets()).toHaveLength(1);
    expect(read!.Keys).toEqual([{ pk: 'PRODUCT#a', sk: 'PRODUCT' }, { pk: 'PRODUCT#b', sk: 'PRODUCT' }]);
    const projected = read!.ProjectionExpression!.split(', ').map((name) => read!.ExpressionAttributeNames![name]);
    expect(projected).toEqual(['pk', 'sk', ...productAttributes]);
    expect(result).toMatchObject({ examined: 0, queries: 2, alerted: 0, rearmed: 0 });
    expect(commandNames()).not.toContain(ScanCommand.name);
  });

  it('pages through the whole catalogue, reading each page\'s products in BatchGets of 100', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `p${i}`);
    ddb.on(QueryCommand)
      .resolvesOnce({ Items: ids.map((productId) => ({ productId })), LastEvaluatedKey: { pk: 'a' } })
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'b' } })
      .resolves({ Items: [] });
    ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
      Responses: { 'unit-table': (input.RequestItems!['unit-table']!.Keys as { pk: string; sk: string }[]).map((key) => ({ ...key, id: key.pk.slice(8), stock: 10, lowStockThreshold: 5 })) },
    }));
    const result = await lowStockAlerts({ now: NOW });
    // 3 Queries and 2 BatchGets (100 + 50 products).
    expect(result.queries).toBe(5);
    expect(queries()).toHaveLength(3);
    expect(queries()[1]!.ExclusiveStartKey).toEqual({ pk: 'a' });
    expect(queries()[2]!.ExclusiveStartKey).toEqual({ pk: 'b' });
    expect(batchGets().map((read) => read.Keys!.length)).toEqual([100, 50]);
    expect(batchGets().flatMap((read) => read.Keys)).toEqual(ids.map((id) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT' })));
  });

  it('lowStockAction: alert at or below the threshold (not alerted, not deleted), re-arm back above when alerted, else nothing', () => {
    expect(lowStockAction({ stock: 2, lowStockThreshold: 5 })).toBe('alert');
    expect(lowStockAction({ stock: 5, lowStockThreshold: 5 })).toBe('alert');
    expect(lowStockAction({ stock: 2, lowStockThreshold: 5, lowStockAlertedAt: 'x' })).toBeUndefined();
    expect(lowStockAction({ stock: 2, lowStockThreshold: 5, deletedAt: 'x' })).toBeUndefined();
    expect(lowStockAction({ stock: 6, lowStockThreshold: 5, lowStockAlertedAt: 'x' })).toBe('rearm');
    expect(lowStockAction({ stock: 6, lowStockThreshold: 5 })).toBeUndefined();
  });

  it('claims the alert conditionally and publishes one product.low_stock_summary with id low-stock:<alertedAt>:<first id>; re-arms products back above', async () => {
    catalogue([
      product('low', { stock: 2, lowStockThreshold: 5 }),
      product('restocked', { stock: 9, lowStockThreshold: 5, lowStockAlertedAt: '2026-04-01T00:00:00.000Z' }),
      // Need nothing: above the threshold, already alerted, deleted.
      product('fine', { stock: 9, lowStockThreshold: 5 }),
      product('alerted', { stock: 1, lowStockThreshold: 5, lowStockAlertedAt: '2026-04-01T00:00:00.000Z' }),
      product('deleted', { stock: 0, lowStockThreshold: 5, deletedAt: '2026-04-01T00:00:00.000Z' }),
    ]);
    ddb.on(UpdateCommand, { Key: { pk: 'PRODUCT#low', sk: 'PRODUCT' } }).resolves({ Attributes: { id: 'low', name: 'Mug <b>', stock: 2, lowStockThreshold: 5 } });

    const result = await lowStockAlerts({ now: NOW });

    expect(result).toMatchObject({ examined: 2, alerted: 1, summaries: 1, rearmed: 1, skipped: 0, lost: 0, failed: 0 });
    const updates = Object.fromEntries(ddb.commandCalls(UpdateCommand).map((call) => [call.args[0].input.Key!.pk, call.args[0].input]));
    expect(Object.keys(updates).sort()).toEqual(['PRODUCT#low', 'PRODUCT#restocked']);
    expect(updates['PRODUCT#low']).toMatchObject({
      UpdateExpression: 'SET lowStockAlertedAt = :alertedAt',
      ConditionExpression: 'stock <= lowStockThreshold AND attribute_not_exists(lowStockAlertedAt) AND attribute_not_exists(deletedAt)',
    });
    expect(updates['PRODUCT#restocked']).toMatchObject({
      UpdateExpression: 'REMOVE lowStockAlertedAt',
      ConditionExpression: 'stock > lowStockThreshold AND attribute_exists(lowStockAlertedAt)',
    });
    expect(sentBodies()).toEqual([
      expect.objectContaining({
        type: 'product.low_stock_summary',
        id: `low-stock:${new Date(NOW).toISOString()}:low`,
        data: { alertedAt: new Date(NOW).toISOString(), products: [{ productId: 'low', name: 'Mug <b>', stock: 2, threshold: 5 }] },
      }),
    ]);
  });

  it('18 products crossing at once: one summary event listing all 18, lowest stock first (issue 12.5)', async () => {
    const ids = Array.from({ length: 18 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    catalogue(ids.map((id, i) => product(id, { stock: i % 5, lowStockThreshold: 5 })));
    ddb.on(UpdateCommand).callsFake((input: { Key: { pk: string } }) => {
      const id = input.Key.pk.slice('PRODUCT#'.length);
      return { Attributes: { id, name: `Product ${id}`, stock: ids.indexOf(id) % 5, lowStockThreshold: 5 } };
    });
    const result = await lowStockAlerts({ now: NOW });
    expect(result).toMatchObject({ examined: 18, alerted: 18, summaries: 1, lost: 0, failed: 0 });
    const bodies = sentBodies() as unknown as { type: string; data: { products: { productId: string; stock: number }[] } }[];
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.type).toBe('product.low_stock_summary');
    expect(bodies[0]!.data.products.map((p) => p.productId).sort()).toEqual(ids);
    const stocks = bodies[0]!.data.products.map((p) => p.stock);
    expect(stocks).toEqual([...stocks].sort((a, b) => a - b));
  });

  it('publishes nothing when another run claimed the alert first', async () => {
    catalogue([product('low', { stock: 2, lowStockThreshold: 5 })]);
    ddb.on(UpdateCommand).rejects(conditionFailed());
    expect(await lowStockAlerts({ now: NOW })).toMatchObject({ alerted: 0, skipped: 1, failed: 0 });
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe('conflictFreeLanes', () => {
  it('puts items sharing a key, directly or transitively, in one lane (in input order); the rest apart', () => {
    const items = [
      { id: 1, keys: ['P#a', 'U#1'] },
      { id: 2, keys: ['P#b', 'U#2'] },
      { id: 3, keys: ['P#c', 'U#1'] }, // shares U#1 with 1
      { id: 4, keys: ['P#b', 'U#3'] }, // shares P#b with 2
      { id: 5, keys: ['P#d', 'U#4'] },
      { id: 6, keys: ['P#c', 'U#5'] }, // shares P#c with 3, so with 1
      { id: 7, keys: [] },
    ];
    const lanes = conflictFreeLanes(items, (item) => item.keys).map((lane) => lane.map((item) => item.id));
    expect(lanes.sort((a, b) => a[0]! - b[0]!)).toEqual([[1, 3, 6], [2, 4], [5], [7]]);
  });
});
