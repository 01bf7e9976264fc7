/**
 * POST /orders through the real handler pipeline, with the DynamoDB and SQS clients mocked:
 * how a cancelled transaction becomes an HTTP answer, bounded retries on transaction
 * conflicts, and the transaction a direct order writes.
 */
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, type BatchGetCommandInput, type GetCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_ORDER_LINES } from '../../shared/schemas/orders.js';
import { handler as placeOrder } from '../../functions/orders/place.js';
import { routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { idempotentOrderId } from '../../shared/orders/order-keys.js';
import { forgetSnapshots } from '../../shared/products/product-snapshots.js';
import { TRANSACTION_ATTEMPTS } from '../../shared/transactions.js';
import { shardOf, WRITE_SHARDS } from '../../shared/write-shards.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
const products = [
  { pk: 'PRODUCT#p1', sk: 'PRODUCT', id: 'p1', name: 'Red mug', price: 1500, currency: 'usd', stock: 10 },
  { pk: 'PRODUCT#p2', sk: 'PRODUCT', id: 'p2', name: 'Blue mug', price: 2000, currency: 'usd', stock: 1 },
  { pk: 'PRODUCT#p3', sk: 'PRODUCT', id: 'p3', name: 'Green mug', price: 700, currency: 'usd', stock: 50 },
];
let token: string;
/** Orders the BatchGetItem finds (a keyed order is read with the products and the session). */
let storedOrders: Record<string, unknown>[] = [];

beforeEach(async () => {
  ddb.reset();
  sqs.reset();
  storedOrders = [];
  // Each test starts cold: no product snapshots (the snapshot path has its own tests below).
  forgetSnapshots();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  // POST /orders looks the session up (user, denial record, session family) in the same
  // BatchGetItem as the products (sessionLookup: 'joined').
  const sessionItems = [{ pk: 'USER#u1', sk: 'PROFILE', role: 'customer', sessionVersion: 0 }, { pk: 'SESSION#f1', sk: 'SESSION', revoked: false }];
  ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const keys = input.RequestItems!['unit-table']!.Keys as { pk: string }[];
    return { Responses: { 'unit-table': [...products, ...sessionItems, ...storedOrders].filter((item) => keys.some((key) => key.pk === item.pk)) } };
  });
  token = (await signAccessToken({ userId: 'u1', familyId: 'f1', sessionVersion: 0, role: 'customer' })).token;
});

const post = (body: unknown, headers: Record<string, string> = {}) => invoke(placeOrder, apiEvent(routes.placeOrder, { token, body, headers }));
const threeLines = { shippingAddress: address, items: [{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 3 }, { productId: 'p3', quantity: 1 }] };

function cancelled(reasons: CancellationReason[]) {
  return new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
}
const none = (n: number): CancellationReason[] => Array.from({ length: n }, () => ({ Code: 'None' }));

/**
 * Between conflict retries a direct order reads each product's current stock (ConsistentRead
 * GetItem) to fail fast when a take can no longer succeed: answers those reads with `stock`.
 */
function stockReads(stock: Record<string, number>) {
  ddb.on(GetCommand).callsFake((input: GetCommandInput) => {
    const product = products.find((p) => p.pk === (input.Key as { pk: string }).pk);
    return product ? { Item: { ...product, stock: stock[product.id] ?? product.stock } } : {};
  });
}
const stockReadCalls = () => ddb.commandCalls(GetCommand).map((call) => call.args[0].input).filter((input) => String(input.Key?.pk).startsWith('PRODUCT#'));

function expectEnvelope(response: Awaited<ReturnType<typeof invoke>>, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  expect(response.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object), requestId: response.headers['x-request-id'] } });
  return response.body.error as { message: string; details: Record<string, unknown> };
}

describe('POST /orders with items', () => {
  it('201: one transaction takes each line conditionally and writes the order at server prices; no event from the request', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const response = await post({ ...threeLines, items: [...threeLines.items, { productId: 'p1', quantity: 1 }] });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      userId: 'u1',
      status: 'pending',
      paymentStatus: 'pending',
      items: [
        { productId: 'p1', name: 'Red mug', unitPrice: 1500, quantity: 3, lineTotal: 4500 },
        { productId: 'p2', name: 'Blue mug', unitPrice: 2000, quantity: 3, lineTotal: 6000 },
        { productId: 'p3', name: 'Green mug', unitPrice: 700, quantity: 1, lineTotal: 700 },
      ],
      total: 11_200,
      amountPaid: 0,
      amountDue: 11_200,
      currency: 'usd',
      shippingAddress: { ...address, country: 'US' },
    });
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const items = calls[0]!.args[0].input.TransactItems!;
    // 3 lines, the order and its list entry, the customer's unpaid-order count (the cap, issue 11
    // item 9): no daily counter (counters come from the table's stream).
    expect(items).toHaveLength(6);
    expect(items[5]!.Update).toEqual({
      TableName: 'unit-table',
      Key: { pk: 'USER#u1', sk: 'UNPAID_ORDERS' },
      UpdateExpression: 'ADD #count :one',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':limit': 10 },
    });
    expect(items.map((item) => (item.Update?.Key ?? item.Put?.Item)!.pk)).not.toContainEqual(expect.stringMatching(/^STATS#/));
    expect(items.slice(0, 3).map((item) => item.Update)).toEqual(
      [['p1', 3], ['p2', 3], ['p3', 1]].map(([id, quantity]) =>
        expect.objectContaining({
          Key: { pk: `PRODUCT#${id}`, sk: 'PRODUCT' },
          UpdateExpression: 'ADD stock :minus',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND stock >= :quantity',
          ExpressionAttributeValues: { ':minus': -quantity!, ':quantity': quantity },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    // The shop-wide lists are write-sharded by the order id: both index keys land in its shard.
    const shard = shardOf(response.body.id);
    expect(shard).toBeGreaterThanOrEqual(0);
    expect(shard).toBeLessThan(WRITE_SHARDS);
    expect(items[3]!.Put).toMatchObject({
      Item: { pk: `ORDER#${response.body.id}`, sk: 'ORDER', stockOwned: true, gsi1pk: 'USER#u1', gsi2pk: `STATUS#pending#${shard}` },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(items[4]!.Put).toMatchObject({ Item: { pk: `ORDER#${response.body.id}`, sk: 'IDX#ALL', gsi1pk: `ORDERS#${shard}` } });
    // No conflict, so no fail-fast stock read.
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    // Two calls in all: the products with the session's lookup, then the transaction. No event
    // from the request: order.placed leaves from the table's stream (functions/events/order-facts.ts).
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual(['BatchGetCommand', 'TransactWriteCommand']);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('409 OUT_OF_STOCK naming the product of the failed line (line 2) and its available quantity, from the old item', async () => {
    ddb.on(TransactWriteCommand).rejects(
      cancelled([
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: { S: 'PRODUCT#p2' }, id: { S: 'p2' }, name: { S: 'Blue mug' }, stock: { N: '1' } } },
        ...none(3),
      ]),
    );
    const error = expectEnvelope(await post(threeLines), 409, 'OUT_OF_STOCK');
    expect(error.message).toBe("Only 1 left of 'Blue mug'");
    expect(error.details).toEqual({ productId: 'p2', available: 1, requested: 3 });
    // A condition failure is an answer, not a conflict: no retry, and no event.
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('404 when the product was soft-deleted between the read and the transaction', async () => {
    ddb.on(TransactWriteCommand).rejects(
      cancelled([{ Code: 'ConditionalCheckFailed', Item: { id: { S: 'p1' }, stock: { N: '10' }, deletedAt: { S: '2026-01-01T00:00:00.000Z' } } }, ...none(4)]),
    );
    expectEnvelope(await post(threeLines), 404, 'NOT_FOUND');
  });

  it('404 for an unknown product, before any write', async () => {
    expectEnvelope(await post({ shippingAddress: address, items: [{ productId: 'nope', quantity: 1 }] }), 404, 'NOT_FOUND');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('TransactionConflict on every attempt: retried with jitter (stock re-read between attempts), then 503 with Retry-After; nothing published', { timeout: 15_000 }, async () => {
    stockReads({ p1: 10, p2: 5, p3: 50 });
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'TransactionConflict' }, ...none(3)]));
    const response = await post(threeLines);
    expectEnvelope(response, 503, 'SERVICE_UNAVAILABLE');
    expect(response.headers['retry-after']).toBe('1');
    // At most TRANSACTION_ATTEMPTS attempts, fewer if the 6 s retry budget runs out first.
    const attempts = ddb.commandCalls(TransactWriteCommand).length;
    expect(attempts).toBeGreaterThan(5);
    expect(attempts).toBeLessThanOrEqual(TRANSACTION_ATTEMPTS);
    // Before every other retry (the 2nd, 4th, …) and before the 503, one consistent read per product.
    expect(stockReadCalls()).toHaveLength((Math.floor((attempts - 1) / 2) + 1) * 3);
    for (const read of stockReadCalls()) expect(read).toMatchObject({ Key: { pk: expect.stringMatching(/^PRODUCT#p[123]$/), sk: 'PRODUCT' }, ConsistentRead: true });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('409 TOO_MANY_UNPAID_ORDERS when the customer is at the cap (the count condition fails), saying so and the limit; nothing published', async () => {
    stockReads({ p1: 10, p2: 5, p3: 50 });
    ddb.on(TransactWriteCommand).rejects(cancelled([...none(5), { Code: 'ConditionalCheckFailed' }]));
    const error = expectEnvelope(await post(threeLines), 409, 'TOO_MANY_UNPAID_ORDERS');
    expect(error.message).toContain('10 unpaid orders');
    expect(error.message).toContain('pay for or cancel one');
    expect(error.details).toEqual({ limit: 10 });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('TransactionConflict × 5, then success: 201', { timeout: 15_000 }, async () => {
    stockReads({ p1: 10, p2: 5, p3: 50 });
    const conflict = cancelled([{ Code: 'TransactionConflict' }, ...none(4)]);
    let attempts = 0;
    ddb.on(TransactWriteCommand).callsFake(() => {
      attempts += 1;
      if (attempts < 6) throw conflict;
      return {};
    });
    const response = await post(threeLines);
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(6);
    expect(stockReadCalls()).toHaveLength(2 * 3); // before the 2nd and 4th retries
  });

  it('conflicts on a product whose stock read shows 0: 409 OUT_OF_STOCK at the first stock check (after the 2nd conflict), no further attempt; nothing published', async () => {
    stockReads({ p1: 10, p2: 0, p3: 50 });
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'TransactionConflict' }, ...none(3)]));
    const error = expectEnvelope(await post(threeLines), 409, 'OUT_OF_STOCK');
    expect(error.message).toBe("Only 0 left of 'Blue mug'");
    expect(error.details).toEqual({ productId: 'p2', available: 0, requested: 3 });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    // One round of consistent stock reads, one per line.
    expect(stockReadCalls().map((read) => [(read.Key as { pk: string }).pk, read.ConsistentRead])).toEqual([
      ['PRODUCT#p1', true],
      ['PRODUCT#p2', true],
      ['PRODUCT#p3', true],
    ]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('400 before any read or write: client prices, more than 97 lines, bad quantities, bad Idempotency-Key', async () => {
    const priced = await post({ shippingAddress: address, items: [{ productId: 'p1', quantity: 1, unitPrice: 1 }] });
    expect(expectEnvelope(priced, 400, 'VALIDATION_ERROR').details.fields).toEqual([{ field: 'body.items.0.unitPrice', message: 'is not allowed' }]);
    const tooMany = await post({ shippingAddress: address, items: Array.from({ length: MAX_ORDER_LINES + 1 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })) });
    expect(expectEnvelope(tooMany, 400, 'VALIDATION_ERROR').details.fields).toEqual([expect.objectContaining({ field: 'body.items' })]);
    for (const quantity of [0, 101, 1.5]) {
      expectEnvelope(await post({ shippingAddress: address, items: [{ productId: 'p1', quantity }] }), 400, 'VALIDATION_ERROR');
    }
    expectEnvelope(await post(threeLines, { 'idempotency-key': 'has spaces' }), 400, 'BAD_REQUEST');
    expectEnvelope(await post(threeLines, { 'idempotency-key': 'k'.repeat(256) }), 400, 'BAD_REQUEST');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('401 without a token', async () => {
    expectEnvelope(await invoke(placeOrder, apiEvent(routes.placeOrder, { body: threeLines })), 401, 'UNAUTHORIZED');
  });
});

describe('POST /orders with items, products seen before (issue 13: one call)', () => {
  const warm = async () => {
    ddb.on(TransactWriteCommand).resolves({});
    expect((await post(threeLines)).statusCode).toBe(201);
    ddb.resetHistory();
  };

  it('one TransactWriteItems and nothing else: each take conditioned on the snapshot, the session checked by three ConditionChecks at the end', async () => {
    await warm();
    const response = await post(threeLines);
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual(['TransactWriteCommand']);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(9);
    expect(items[1]!.Update).toMatchObject({
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND stock >= :quantity AND price = :snapshotPrice AND #snapshotName = :snapshotName AND currency = :snapshotCurrency',
      ExpressionAttributeNames: { '#snapshotName': 'name' },
      ExpressionAttributeValues: { ':minus': -3, ':quantity': 3, ':snapshotPrice': 2000, ':snapshotName': 'Blue mug', ':snapshotCurrency': 'usd' },
    });
    expect(items.slice(6).map((item) => item.ConditionCheck?.Key)).toEqual([
      { pk: 'USER#u1', sk: 'PROFILE' },
      { pk: expect.stringMatching(/^REVOKED#/), sk: 'TOKEN' },
      { pk: 'SESSION#f1', sk: 'SESSION' },
    ]);
    expect(items[6]!.ConditionCheck!.ConditionExpression).toBe('attribute_exists(pk) AND (attribute_not_exists(disabled) OR disabled <> :true) AND (attribute_not_exists(sessionVersion) OR sessionVersion = :version)');
    expect(response.body.total).toBe(9_700);
  });

  it('a price changed since: the cancellation returns the product as it is; placed again at the new price, still without a read', async () => {
    await warm();
    let attempt = 0;
    ddb.on(TransactWriteCommand).callsFake(() => {
      attempt += 1;
      if (attempt > 1) return {};
      throw cancelled([
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Item: { pk: { S: 'PRODUCT#p2' }, id: { S: 'p2' }, name: { S: 'Blue mug' }, price: { N: '2200' }, currency: { S: 'usd' }, stock: { N: '5' } } },
        ...none(7),
      ]);
    });
    const response = await post(threeLines);
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(response.body.items[1]).toMatchObject({ productId: 'p2', unitPrice: 2200, lineTotal: 6600 });
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems![1]!.Update!.ExpressionAttributeValues).toMatchObject({ ':snapshotPrice': 2200 });
  });

  it('out of stock is still 409 naming the product (not a stale snapshot), and a deleted product 404', async () => {
    await warm();
    const answers = [
      cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { pk: { S: 'PRODUCT#p2' }, id: { S: 'p2' }, name: { S: 'Blue mug' }, price: { N: '2000' }, currency: { S: 'usd' }, stock: { N: '1' } } }, ...none(7)]),
      cancelled([{ Code: 'ConditionalCheckFailed', Item: { pk: { S: 'PRODUCT#p1' }, id: { S: 'p1' }, name: { S: 'Red mug' }, price: { N: '1500' }, currency: { S: 'usd' }, stock: { N: '10' }, deletedAt: { S: '2026-01-01' } } }, ...none(8)]),
    ];
    ddb.on(TransactWriteCommand).callsFake(() => {
      throw answers.shift();
    });
    expect(expectEnvelope(await post(threeLines), 409, 'OUT_OF_STOCK').details).toMatchObject({ productId: 'p2', available: 1, requested: 3 });
    expectEnvelope(await post(threeLines), 404, 'NOT_FOUND');
    // No product read; each error answer looked the session up first (the pipeline's rule for
    // an unconfirmed session), so an ended session would have got 401 instead.
    const reads = ddb.commandCalls(BatchGetCommand).map((call) => (call.args[0].input.RequestItems!['unit-table']!.Keys as { pk: string }[]).map((key) => key.pk.split('#')[0]));
    expect(reads).toEqual([['USER', 'REVOKED', 'SESSION'], ['USER', 'REVOKED', 'SESSION']]);
  });

  it('a session ended since the snapshot was taken (its ConditionCheck fails): 401, nothing ordered', async () => {
    await warm();
    ddb.on(TransactWriteCommand).rejects(cancelled([...none(6), { Code: 'ConditionalCheckFailed' }, ...none(2)]));
    expectEnvelope(await post(threeLines), 401, 'UNAUTHORIZED');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('with an Idempotency-Key the products and the keyed order are read (one BatchGetItem), so the key is checked first', async () => {
    await warm();
    expect((await post(threeLines, { 'idempotency-key': 'warm-key' })).statusCode).toBe(201);
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual(['BatchGetCommand', 'TransactWriteCommand']);
  });
});

describe('POST /orders with an Idempotency-Key', () => {
  it('a replay returns the stored order without writing; another body is 422', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const first = await post(threeLines, { 'idempotency-key': 'abc-123' });
    expect(first.statusCode).toBe(201);
    const stored = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![3]!.Put!.Item!;
    expect(stored.id).toBe(first.body.id);
    expect(stored.idempotencyExpiresAt).toBeGreaterThan(Date.now());

    // The replay finds it in its one BatchGetItem (products, the keyed order, the session).
    storedOrders = [stored];
    ddb.resetHistory();
    sqs.resetHistory();
    const replay = await post(threeLines, { 'idempotency-key': 'abc-123' });
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expectEnvelope(await post({ ...threeLines, items: [{ productId: 'p1', quantity: 1 }] }, { 'idempotency-key': 'abc-123' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("a concurrent replay that commits after this request's first look: answered with the winner, never a second order", async () => {
    // The order a concurrent request with the same key and body writes (taken from a real run).
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    await post(threeLines, { 'idempotency-key': 'race' });
    const winner: Record<string, unknown> = { ...ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![3]!.Put!.Item!, createdAt: '2026-01-01T00:00:00.000Z' };
    expect(winner.id).toBe(idempotentOrderId('u1', 'race'));
    ddb.resetHistory();
    sqs.resetHistory();
    // It commits right after this request's first look at the key (the BatchGetItem finds no
    // order); this request's own Put of that id then fails its condition, while any other id
    // would succeed (a second order). The look after the failure (GetItem) finds the winner.
    ddb.on(GetCommand).resolves({ Item: winner });
    ddb.on(TransactWriteCommand).callsFake((input: { TransactItems: { Put?: { Item: Record<string, unknown> } }[] }) => {
      if (input.TransactItems[3]!.Put!.Item.id !== winner.id) return {};
      throw cancelled([...none(3), { Code: 'ConditionalCheckFailed' }, { Code: 'None' }]);
    });
    const response = await post(threeLines, { 'idempotency-key': 'race' });
    expect(response.statusCode).toBe(201);
    expect(response.headers['idempotent-replayed']).toBe('true');
    expect(response.body).toMatchObject({ id: winner.id, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
