/**
 * Issue 13, target 2: read endpoints send at most 2 DynamoDB calls, the authentication
 * BatchGetItem included. Each handler runs through the real pipeline with the document client
 * mocked, and the test pins every command it sends (count and kind) and what the one read
 * asks for.
 */
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, type GetCommandInput, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
type Handler = Parameters<typeof invoke>[0];

let h: { adjustments: Handler; payments: Handler; shipment: Handler; shipments: Handler; analytics: Handler };
const tokens: Record<'admin' | 'ann' | 'bob', string> = { admin: '', ann: '', bob: '' };
const roles = { admin: 'admin', ann: 'customer', bob: 'customer' } as const;

beforeAll(async () => {
  h = {
    adjustments: (await import('../../functions/products/list-stock-adjustments.js')).handler,
    payments: (await import('../../functions/payments/list.js')).handler,
    shipment: (await import('../../functions/shipments/get.js')).handler,
    shipments: (await import('../../functions/shipments/list.js')).handler,
    analytics: (await import('../../functions/admin/analytics.js')).handler,
  };
  for (const name of Object.keys(tokens) as (keyof typeof tokens)[]) {
    tokens[name] = (await signAccessToken({ userId: name, familyId: `f-${name}`, sessionVersion: 0, role: roles[name] })).token;
  }
});

beforeEach(() => {
  ddb.reset();
  // The authentication lookup: the caller's user and session family, whoever asks.
  ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { pk: string }[] }> }) => {
    const [table, { Keys }] = Object.entries(input.RequestItems)[0]!;
    const userId = Keys[0]!.pk.slice('USER#'.length);
    return { Responses: { [table]: [{ pk: `USER#${userId}`, role: roles[userId as keyof typeof roles], sessionVersion: 0 }, { pk: `SESSION#f-${userId}`, revoked: false }] } };
  });
});

/** Every command sent, by kind, in order. */
const sent = () => ddb.calls().map((call) => call.args[0].constructor.name.replace(/Command$/, ''));
const queries = () => ddb.commandCalls(QueryCommand).map((call) => call.args[0].input as QueryCommandInput);

describe('GET /products/{id}/stock-adjustments: one Query of the product partition', () => {
  const pk = 'PRODUCT#p1';
  const adjustment = (n: number) => ({ pk, sk: `STOCKADJ#${String(n).padStart(3, '0')}`, id: String(n), productId: 'p1', delta: 1, reason: 'r', resultingStock: n, by: 'admin', at: '2026-01-01T00:00:00.000Z' });
  const list = (query: Record<string, string> = {}, id = 'p1') => invoke(h.adjustments, apiEvent(routes.listStockAdjustments, { token: tokens.admin, path: { id }, query }));

  it('sends the auth lookup and one Query, backwards from the last adjustment to the product item, projected', async () => {
    ddb.on(QueryCommand).resolves({ Items: [adjustment(2), adjustment(1), { pk, sk: 'PRODUCT' }] });
    const response = await list({ limit: '20' });
    expect(response.statusCode).toBe(200);
    expect(sent()).toEqual(['BatchGet', 'Query']);
    expect(queries()[0]).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pk, ':from': 'PRODUCT', ':to': 'STOCKADJ$' },
      ScanIndexForward: false,
      Limit: 21,
    });
    expect(queries()[0]!.ProjectionExpression).not.toContain('description');
    expect(response.body).toEqual({ items: [expect.objectContaining({ id: '2', resultingStock: 2 }), expect.objectContaining({ id: '1' })], nextCursor: null });
  });

  it('pages: an extra adjustment means a next page; the product item as the extra one means none', async () => {
    ddb.on(QueryCommand).resolves({ Items: [adjustment(3), adjustment(2), adjustment(1)], LastEvaluatedKey: { pk, sk: 'STOCKADJ#001' } });
    const first = await list({ limit: '2' });
    expect(first.body.items.map((a: { id: string }) => a.id)).toEqual(['3', '2']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    ddb.on(QueryCommand).resolves({ Items: [adjustment(1), { pk, sk: 'PRODUCT' }] });
    const second = await list({ limit: '2', cursor: first.body.nextCursor });
    expect(queries().at(-1)!.ExclusiveStartKey).toEqual({ pk, sk: 'STOCKADJ#002' });
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: '1' })], nextCursor: null });
    ddb.on(QueryCommand).resolves({ Items: [adjustment(2), adjustment(1), { pk, sk: 'PRODUCT' }], LastEvaluatedKey: { pk, sk: 'PRODUCT' } });
    expect((await list({ limit: '2' })).body.nextCursor).toBeNull();
  });

  it('a product without adjustments is an empty list; an unknown product is a 404, still one Query', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk, sk: 'PRODUCT' }] });
    expect((await list()).body).toEqual({ items: [], nextCursor: null });
    ddb.reset();
    ddb.on(BatchGetCommand).resolves({ Responses: { 'unit-table': [{ pk: 'USER#admin', role: 'admin', sessionVersion: 0 }, { pk: 'SESSION#f-admin', revoked: false }] } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect((await list({}, 'nope')).statusCode).toBe(404);
    expect(sent()).toEqual(['BatchGet', 'Query']);
  });
});

describe('GET /payments?orderId=: one Query of the order partition', () => {
  const pk = 'ORDER#o1';
  const order = { pk, sk: 'ORDER', type: 'order', id: 'o1', userId: 'ann', status: 'paid' };
  const payment = (id: string) => ({ pk, sk: `PAYMENT#${id}`, type: 'payment', id, orderId: 'o1', userId: 'ann', amount: 100, currency: 'usd', method: 'cash', provider: 'manual', reference: null, status: 'succeeded', flags: [], createdAt: '2026-01-01T00:00:00.000Z' });
  const list = (who: keyof typeof tokens, query: Record<string, string> = {}) => invoke(h.payments, apiEvent(routes.listPayments, { token: tokens[who], query: { orderId: 'o1', ...query } }));

  it('sends the auth lookup and one strongly consistent Query, backwards from the last payment to the order item', async () => {
    ddb.on(QueryCommand).resolves({ Items: [payment('p2'), payment('p1'), order] });
    const response = await list('ann', { limit: '20' });
    expect(response.statusCode).toBe(200);
    expect(sent()).toEqual(['BatchGet', 'Query']);
    expect(queries()[0]).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pk, ':from': 'ORDER', ':to': 'PAYMENT$' },
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: 21,
    });
    expect(response.body).toEqual({ items: [expect.objectContaining({ id: 'p2' }), expect.objectContaining({ id: 'p1' })], nextCursor: null });
  });

  it("another customer's order and a missing one are 404 (one Query); an admin sees any order's payments", async () => {
    ddb.on(QueryCommand).resolves({ Items: [payment('p1'), order] });
    expect((await list('bob')).statusCode).toBe(404);
    expect(sent()).toEqual(['BatchGet', 'Query']);
    expect((await list('admin')).body.items).toHaveLength(1);
    ddb.on(QueryCommand).resolves({ Items: [order] });
    expect((await list('ann')).body).toEqual({ items: [], nextCursor: null });
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect((await list('ann')).statusCode).toBe(404);
    expect((await list('admin')).statusCode).toBe(404);
  });

  it('a page that stops before the order item takes the owner from its payments, and pages on', async () => {
    ddb.on(QueryCommand).resolves({ Items: [payment('p3'), payment('p2'), payment('p1')], LastEvaluatedKey: { pk, sk: 'PAYMENT#p1' } });
    expect((await list('bob', { limit: '2' })).statusCode).toBe(404);
    const first = await list('ann', { limit: '2' });
    expect(first.body.items.map((p: { id: string }) => p.id)).toEqual(['p3', 'p2']);
    ddb.on(QueryCommand).resolves({ Items: [payment('p1'), order] });
    const second = await list('ann', { limit: '2', cursor: first.body.nextCursor });
    expect(queries().at(-1)!.ExclusiveStartKey).toEqual({ pk, sk: 'PAYMENT#p2' });
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: 'p1' })], nextCursor: null });
  });

  it('without orderId: a customer reads their own payments on gsi1 with one Query', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect((await invoke(h.payments, apiEvent(routes.listPayments, { token: tokens.ann }))).statusCode).toBe(200);
    expect(sent()).toEqual(['BatchGet', 'Query']);
    expect(queries()[0]).toMatchObject({ IndexName: 'gsi1', ExpressionAttributeValues: { ':partition': 'USER#ann#PAYMENTS' } });
  });
});

describe('GET /shipments/{trackingNumber}: one GetItem of the tracking-number claim, which carries the shipment', () => {
  const shipment = { id: 's1', orderId: 'o1', userId: 'ann', carrier: 'UPS', trackingNumber: '1Z999AA1', status: 'in_transit', checkpoints: [], createdAt: '2026-01-02T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' };
  const claimKey = { pk: 'TRACKING#1Z999AA1', sk: 'TRACKING' };
  const stored = (claim: Record<string, unknown>) =>
    ddb.on(GetCommand).callsFake((input: GetCommandInput) => {
      const key = input.Key as { pk: string; sk: string };
      if (key.pk === claimKey.pk) return { Item: claim };
      return key.pk === 'ORDER#o1' && key.sk === 'SHIPMENT#s1' ? { Item: { pk: 'ORDER#o1', sk: 'SHIPMENT#s1', ...shipment } } : {};
    });
  const get = (who: keyof typeof tokens) => invoke(h.shipment, apiEvent(routes.getShipment, { token: tokens[who], path: { trackingNumber: '1z-999-aa1' } }));
  const gets = () => ddb.commandCalls(GetCommand).map((call) => call.args[0].input as GetCommandInput);

  it('the auth lookup and one strongly consistent GetItem of the claim', async () => {
    stored({ ...claimKey, orderId: 'o1', shipmentId: 's1', shipment });
    const response = await get('ann');
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ id: 's1', trackingNumber: '1Z999AA1', status: 'in_transit' });
    expect(sent()).toEqual(['BatchGet', 'Get']);
    expect(gets()[0]).toMatchObject({ Key: claimKey, ConsistentRead: true });
    expect((await get('admin')).statusCode).toBe(200);
    expect((await get('bob')).statusCode).toBe(404);
  });

  it('GET /shipments?trackingNumber= reads the same single claim', async () => {
    stored({ ...claimKey, orderId: 'o1', shipmentId: 's1', shipment });
    const response = await invoke(h.shipments, apiEvent(routes.listShipments, { token: tokens.ann, query: { trackingNumber: '1Z999AA1' } }));
    expect(response.body).toEqual({ items: [expect.objectContaining({ id: 's1' })], nextCursor: null });
    expect(sent()).toEqual(['BatchGet', 'Get']);
  });

  it('a claim written before it carried the copy: the shipment item is read second', async () => {
    stored({ ...claimKey, orderId: 'o1', shipmentId: 's1' });
    expect((await get('ann')).body).toMatchObject({ id: 's1', status: 'in_transit' });
    expect(sent()).toEqual(['BatchGet', 'Get', 'Get']);
    expect(gets()[1]).toMatchObject({ Key: { pk: 'ORDER#o1', sk: 'SHIPMENT#s1' }, ConsistentRead: true });
  });
});

describe('GET /admin/analytics: the top products are named from the catalogue read for low stock', () => {
  type Keys = { RequestItems: Record<string, { Keys: { pk: string; sk: string }[] }> };
  const product = (id: string, stock: number) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT', id, name: `Product ${id}`, price: 100, currency: 'usd', stock, lowStockThreshold: 5, version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
  const catalogue = [product('p1', 3), product('p2', 50)];

  beforeEach(() => {
    ddb.on(BatchGetCommand).callsFake((input: Keys) => {
      const [table, { Keys }] = Object.entries(input.RequestItems)[0]!;
      if (Keys[0]!.pk.startsWith('USER#')) return { Responses: { [table]: [{ pk: 'USER#admin', role: 'admin', sessionVersion: 0 }, { pk: 'SESSION#f-admin', revoked: false }] } };
      if (Keys[0]!.pk.startsWith('STATS#')) return { Responses: { [table]: [{ pk: Keys[1]!.pk, sk: 'SALES', paidOrders: 2, paidValue: 700, q_p1: 3, r_p1: 300, q_p9: 1, r_p9: 400 }] } };
      return { Responses: { [table]: Keys.flatMap((key) => { const found = [...catalogue, product('p9', 80)].find((item) => item.pk === key.pk); return found ? [found] : []; }) } };
    });
    ddb.on(QueryCommand).callsFake((input: QueryCommandInput) =>
      input.ExpressionAttributeValues?.[':products'] === 'PRODUCTS' ? { Items: catalogue.map((item) => ({ productId: item.id })) } : { Items: [] },
    );
  });

  it('counters, orders (one Query per write shard), catalogue; a product beyond the catalogue is the only one named by a read of its own', async () => {
    const response = await invoke(h.analytics, apiEvent(routes.getAnalytics, { token: tokens.admin, query: { from: '2026-01-01', to: '2026-01-30' } }));
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    expect(response.body.topProducts).toEqual([
      { productId: 'p1', name: 'Product p1', quantity: 3, revenue: 300 },
      { productId: 'p9', name: 'Product p9', quantity: 1, revenue: 400 },
    ]);
    expect(response.body.lowStock.map((p: { id: string }) => p.id)).toEqual(['p1']);
    const batches = ddb.commandCalls(BatchGetCommand).map((call) => Object.values((call.args[0].input as Keys).RequestItems)[0]!.Keys.map((key) => key.pk));
    // auth, the 30 days' counters (90 keys, one call), the catalogue's products, then p9 alone.
    expect(batches.map((keys) => (keys.length > 3 ? `${keys.length} keys` : keys.join(',')))).toEqual(expect.arrayContaining(['90 keys', 'PRODUCT#p1,PRODUCT#p2', 'PRODUCT#p9']));
    expect(batches).toHaveLength(4);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(16 + 1);
    expect(sent().filter((name) => name !== 'BatchGet' && name !== 'Query')).toEqual([]);
  });

  it('top products all in the catalogue: no read for their names', async () => {
    ddb.on(BatchGetCommand).callsFake((input: Keys) => {
      const [table, { Keys }] = Object.entries(input.RequestItems)[0]!;
      if (Keys[0]!.pk.startsWith('USER#')) return { Responses: { [table]: [{ pk: 'USER#admin', role: 'admin', sessionVersion: 0 }, { pk: 'SESSION#f-admin', revoked: false }] } };
      if (Keys[0]!.pk.startsWith('STATS#')) return { Responses: { [table]: [{ pk: Keys[1]!.pk, sk: 'SALES', paidOrders: 1, paidValue: 200, q_p2: 2, r_p2: 200 }] } };
      return { Responses: { [table]: catalogue } };
    });
    const response = await invoke(h.analytics, apiEvent(routes.getAnalytics, { token: tokens.admin }));
    expect(response.body.topProducts).toEqual([{ productId: 'p2', name: 'Product p2', quantity: 2, revenue: 200 }]);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(3); // auth, counters, catalogue
  });
});
