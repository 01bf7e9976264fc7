/**
 * The shipment handlers through the real pipeline with DynamoDB and SQS mocked: the
 * transactions they write (the order's status change and the shipment commit together), how
 * condition failures become answers, and which event (email) each change publishes.
 */
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type GetCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as createShipment } from '../../functions/shipments/create.js';
import { handler as getShipment } from '../../functions/shipments/get.js';
import { handler as listShipments } from '../../functions/shipments/list.js';
import { handler as updateShipment } from '../../functions/shipments/update.js';
import { routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { shardOf, WRITE_SHARDS } from '../../shared/write-shards.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const order = (status: string) => ({
  pk: 'ORDER#o1', sk: 'ORDER', id: 'o1', userId: 'c1', status, paymentStatus: 'completed', items: [{ productId: 'p1', name: 'Mug', unitPrice: 500, quantity: 1, lineTotal: 500 }],
  total: 500, amountPaid: 500, amountDue: 0, currency: 'usd', shippingAddress: { line1: 'x', city: 'y', postalCode: '1', country: 'US' },
  statusHistory: [{ status: 'pending', at: '2026-01-01T00:00:00.000Z', by: 'c1' }], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', stockOwned: true,
});
const shipment = (status: string, id = 's1', trackingNumber = '1Z999AA1') => ({
  pk: 'ORDER#o1', sk: `SHIPMENT#${id}`, id, orderId: 'o1', userId: 'c1', carrier: 'UPS', trackingNumber, status, checkpoints: [], createdAt: '2026-01-02T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z',
});

let items: Record<string, unknown>;
function store(...records: Record<string, unknown>[]) {
  for (const record of records) items[`${record.pk}|${record.sk}`] = record;
}
const claim = (s: ReturnType<typeof shipment>) => ({ pk: `TRACKING#${s.trackingNumber}`, sk: 'TRACKING', orderId: s.orderId, shipmentId: s.id });

async function signedIn(role: 'admin' | 'customer', userId = role === 'admin' ? 'a1' : 'c1') {
  ddb.on(BatchGetCommand).resolves({ Responses: { 'unit-table': [{ pk: `USER#${userId}`, role, sessionVersion: 0 }, { pk: 'SESSION#f1', revoked: false }] } });
  return (await signAccessToken({ userId, familyId: 'f1', sessionVersion: 0, role })).token;
}

function cancelled(reasons: CancellationReason[]) {
  return new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
}

function expectEnvelope(response: Awaited<ReturnType<typeof invoke>>, status: number, code: string) {
  expect(response.statusCode, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object), requestId: response.headers['x-request-id'] } });
  return response.body.error as { message: string; details: Record<string, unknown> };
}

const events = () => sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!) as { type: string; data: Record<string, unknown> });

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  items = {};
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  ddb.on(GetCommand).callsFake((input: GetCommandInput) => {
    const key = input.Key as { pk: string; sk: string };
    const item = items[`${key.pk}|${key.sk}`];
    return item ? { Item: item } : {};
  });
  ddb.on(QueryCommand).callsFake(() => ({ Items: Object.values(items).filter((item) => String((item as { sk: string }).sk).startsWith('SHIPMENT#')) }));
});

const create = async (body: unknown, role: 'admin' | 'customer' = 'admin') =>
  invoke(createShipment, apiEvent(routes.createShipment, { token: await signedIn(role), body }));
const patch = async (trackingNumber: string, body: unknown) =>
  invoke(updateShipment, apiEvent(routes.updateShipment, { token: await signedIn('admin'), path: { trackingNumber }, body }));

describe('POST /shipments', () => {
  it('201 for a paid order: ONE transaction moves the order to shipped, writes the shipment and claims the tracking number; one order email event', async () => {
    store(order('paid'));
    ddb.on(TransactWriteCommand).resolves({});
    const response = await create({ orderId: 'o1', carrier: 'UPS', trackingNumber: '1z 999-aa1' });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(String), orderId: 'o1', carrier: 'UPS', trackingNumber: '1Z999AA1', status: 'label_created', checkpoints: [],
      createdAt: expect.any(String), updatedAt: response.body.createdAt,
    });
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const written = calls[0]!.args[0].input.TransactItems!;
    // order, its list entry, then the shipment and its tracking claim (no counter: counters come from the table's stream).
    expect(written).toHaveLength(4);
    expect(written[0]!.Update).toMatchObject({ Key: { pk: 'ORDER#o1', sk: 'ORDER' }, ConditionExpression: '#status = :from', ExpressionAttributeValues: expect.objectContaining({ ':from': 'paid', ':to': 'shipped' }) });
    expect(written[1]!.Update).toMatchObject({ Key: { pk: 'ORDER#o1', sk: 'IDX#ALL' } });
    // The all-shipments list is write-sharded by the shipment id.
    expect(written[2]!.Put).toMatchObject({
      Item: { pk: 'ORDER#o1', sk: `SHIPMENT#${response.body.id}`, userId: 'c1', status: 'label_created', gsi1pk: `SHIPMENTS#${shardOf(response.body.id)}`, gsi2pk: 'USER#c1#SHIPMENTS', gsi1sk: `${response.body.createdAt}#${response.body.id}` },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(written[3]!.Put).toMatchObject({ Item: { pk: 'TRACKING#1Z999AA1', sk: 'TRACKING', orderId: 'o1', shipmentId: response.body.id }, ConditionExpression: 'attribute_not_exists(pk)' });
    // The claim carries a copy of the shipment (no keys), so GET /shipments/{n} is one GetItem.
    expect(written[3]!.Put!.Item!.shipment).toEqual({ ...response.body, userId: 'c1' });
    expect(events()).toEqual([
      expect.objectContaining({ type: 'order.status_changed', data: { orderId: 'o1', userId: 'c1', from: 'paid', to: 'shipped', note: 'Shipped with UPS, tracking number 1Z999AA1' } }),
    ]);
  });

  it('201 for an already shipped order: no status change (order condition-checked as shipped); a shipment-update email event', async () => {
    store(order('shipped'));
    ddb.on(TransactWriteCommand).resolves({});
    const response = await create({ orderId: 'o1', carrier: 'DHL', trackingNumber: 'JD0002' });
    expect(response.statusCode).toBe(201);
    const written = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(written.map((item) => Object.keys(item)[0])).toEqual(['ConditionCheck', 'Put', 'Put']);
    expect(written[0]!.ConditionCheck).toMatchObject({ Key: { pk: 'ORDER#o1', sk: 'ORDER' }, ExpressionAttributeValues: { ':shipped': 'shipped' } });
    expect(events()).toEqual([expect.objectContaining({ type: 'shipment.status_changed', data: expect.objectContaining({ orderId: 'o1', to: 'label_created', carrier: 'DHL', trackingNumber: 'JD0002' }) })]);
  });

  it('409 CONFLICT when the tracking number is already claimed (the claim condition fails); nothing published', async () => {
    store(order('processing'));
    // [order, list entry, shipment, tracking claim ✗]
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    const error = expectEnvelope(await create({ orderId: 'o1', carrier: 'UPS', trackingNumber: '1Z999AA1' }), 409, 'CONFLICT');
    expect(error.details).toEqual({ trackingNumber: '1Z999AA1' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(events()).toEqual([]);
  });

  it('a concurrent first shipment won: the order condition fails, the order is read as shipped, this one becomes a later shipment', async () => {
    store(order('paid'));
    let calls = 0;
    ddb.on(TransactWriteCommand).callsFake(() => {
      calls += 1;
      if (calls === 1) {
        store(order('shipped'));
        throw cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }]);
      }
      return {};
    });
    const response = await create({ orderId: 'o1', carrier: 'UPS', trackingNumber: '1Z999AA2' });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(calls).toBe(2);
    expect(events().map((event) => event.type)).toEqual(['shipment.status_changed']);
  });

  it.each(['pending', 'delivered', 'cancelled'])('409 INVALID_TRANSITION for a %s order, before any write', async (status) => {
    store(order(status));
    const error = expectEnvelope(await create({ orderId: 'o1', carrier: 'UPS', trackingNumber: '1Z999AA1' }), 409, 'INVALID_TRANSITION');
    expect(error.details).toEqual({ from: status, to: 'shipped' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('404 for an unknown order; 403 for a customer; 400 for a bad tracking number', async () => {
    expectEnvelope(await create({ orderId: 'nope', carrier: 'UPS', trackingNumber: '1Z999AA1' }), 404, 'NOT_FOUND');
    store(order('paid'));
    expectEnvelope(await create({ orderId: 'o1', carrier: 'UPS', trackingNumber: '1Z999AA1' }, 'customer'), 403, 'FORBIDDEN');
    expectEnvelope(await create({ orderId: 'o1', carrier: 'UPS', trackingNumber: '#' }), 400, 'VALIDATION_ERROR');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('PATCH /shipments/{trackingNumber}', () => {
  it('a legal move with a checkpoint: one conditional update on the status read; a shipment-update email event', async () => {
    const s = shipment('label_created');
    store(order('shipped'), s, claim(s));
    ddb.on(TransactWriteCommand).resolves({});
    const response = await patch('1z999aa1', { status: 'in_transit', checkpoint: { location: 'Memphis', description: 'Departed facility' } });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ status: 'in_transit', checkpoints: [{ location: 'Memphis', description: 'Departed facility', at: expect.any(String) }] });
    const written = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(written).toHaveLength(2);
    expect(written[0]!.Update).toMatchObject({
      Key: { pk: 'ORDER#o1', sk: 'SHIPMENT#s1' },
      ConditionExpression: '#status = :from AND size(checkpoints) < :max',
      ExpressionAttributeValues: expect.objectContaining({ ':from': 'label_created', ':to': 'in_transit' }),
    });
    // A claim written before it carried a copy of the shipment gets the whole updated shipment, once.
    expect(written[1]!.Update).toMatchObject({
      Key: { pk: 'TRACKING#1Z999AA1', sk: 'TRACKING' },
      UpdateExpression: 'SET shipment = :shipment',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(shipment)',
      ExpressionAttributeValues: { ':shipment': { id: 's1', status: 'in_transit', checkpoints: [expect.objectContaining({ location: 'Memphis' })] } },
    });
    expect(written[1]!.Update!.ExpressionAttributeValues![':shipment']).not.toHaveProperty('pk');
    expect(events()).toEqual([expect.objectContaining({ type: 'shipment.status_changed', data: expect.objectContaining({ from: 'label_created', to: 'in_transit', trackingNumber: '1Z999AA1' }) })]);
  });

  it('a checkpoint alone changes no status and publishes nothing', async () => {
    const s = shipment('in_transit');
    store(s, claim(s));
    ddb.on(TransactWriteCommand).resolves({});
    const response = await patch('1Z999AA1', { checkpoint: { location: 'Hub', description: 'Arrived', at: '2026-05-01T08:00:00Z' } });
    expect(response.body).toMatchObject({ status: 'in_transit', checkpoints: [{ location: 'Hub', description: 'Arrived', at: '2026-05-01T08:00:00.000Z' }] });
    expect(events()).toEqual([]);
  });

  it('delivered, the order\'s last undelivered shipment: the order moves to delivered in the same transaction, other shipments condition-checked; one order email', async () => {
    const s = shipment('out_for_delivery');
    const other = shipment('delivered', 's0', 'OTHER1');
    store(order('shipped'), s, claim(s), other);
    ddb.on(TransactWriteCommand).resolves({});
    const response = await patch('1Z999AA1', { status: 'delivered' });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    const written = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    // order, its list entry, the shipment, its claim's copy, the other shipment's check (no counter: counters come from the table's stream).
    expect(written.map((item) => Object.keys(item)[0])).toEqual(['Update', 'Update', 'Update', 'Update', 'ConditionCheck']);
    expect(written[0]!.Update).toMatchObject({
      Key: { pk: 'ORDER#o1', sk: 'ORDER' },
      ExpressionAttributeValues: expect.objectContaining({ ':from': 'shipped', ':to': 'delivered', ':partition': `STATUS#delivered#${shardOf('o1')}` }),
    });
    expect(written[1]!.Update).toMatchObject({ Key: { pk: 'ORDER#o1', sk: 'IDX#ALL' } });
    expect(written[2]!.Update).toMatchObject({ Key: { pk: 'ORDER#o1', sk: 'SHIPMENT#s1' } });
    expect(written[3]!.Update).toMatchObject({ Key: { pk: 'TRACKING#1Z999AA1', sk: 'TRACKING' } });
    expect(written[4]!.ConditionCheck).toMatchObject({ Key: { pk: 'ORDER#o1', sk: 'SHIPMENT#s0' }, ExpressionAttributeValues: { ':status': 'delivered' } });
    expect(events()).toEqual([expect.objectContaining({ type: 'order.status_changed', data: expect.objectContaining({ from: 'shipped', to: 'delivered', note: 'Delivered by UPS, tracking number 1Z999AA1' }) })]);
  });

  it('delivered while another shipment is still on its way: the order stays shipped; the shipment email', async () => {
    const s = shipment('out_for_delivery');
    store(order('shipped'), s, claim(s), shipment('in_transit', 's2', 'OTHER2'));
    ddb.on(TransactWriteCommand).resolves({});
    expect((await patch('1Z999AA1', { status: 'delivered' })).statusCode).toBe(200);
    const written = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(written.map((item) => Object.keys(item)[0])).toEqual(['Update', 'Update', 'ConditionCheck']);
    expect(events().map((event) => event.type)).toEqual(['shipment.status_changed']);
  });

  it('409 INVALID_TRANSITION for an illegal move (no write), also when a concurrent change made it illegal after the read', async () => {
    const s = shipment('label_created');
    store(s, claim(s));
    const error = expectEnvelope(await patch('1Z999AA1', { status: 'delivered' }), 409, 'INVALID_TRANSITION');
    expect(error.details).toEqual({ from: 'label_created', to: 'delivered' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);

    ddb.on(TransactWriteCommand).callsFake(() => {
      store(shipment('exception'));
      throw cancelled([{ Code: 'ConditionalCheckFailed' }]);
    });
    const raced = expectEnvelope(await patch('1Z999AA1', { status: 'exception' }), 409, 'INVALID_TRANSITION');
    expect(raced.details).toEqual({ from: 'exception', to: 'exception' });
    expect(events()).toEqual([]);
  });

  it('a claim carrying the copy: one GetItem reads the shipment; the copy changes by the same expressions, conditioned on the status read', async () => {
    const s = shipment('in_transit');
    const { pk: _pk, sk: _sk, ...copy } = s;
    store({ ...claim(s), shipment: { ...copy, checkpoints: [{ location: 'Hub', description: 'Arrived', at: '2026-01-03T00:00:00.000Z' }] } });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await patch('1Z999AA1', { status: 'out_for_delivery', checkpoint: { location: 'Depot', description: 'On the van' } });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    expect(response.body.checkpoints.map((c: { location: string }) => c.location)).toEqual(['Hub', 'Depot']);
    expect(ddb.commandCalls(GetCommand).map((call) => call.args[0].input.Key)).toEqual([{ pk: 'TRACKING#1Z999AA1', sk: 'TRACKING' }]);
    const written = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(written[0]!.Update).toMatchObject({
      Key: { pk: 'ORDER#o1', sk: 'SHIPMENT#s1' },
      UpdateExpression: 'SET updatedAt = :now, #status = :to, checkpoints = list_append(checkpoints, :checkpoint)',
      ExpressionAttributeValues: expect.objectContaining({ ':from': 'in_transit' }),
    });
    expect(written[1]!.Update).toMatchObject({
      Key: { pk: 'TRACKING#1Z999AA1', sk: 'TRACKING' },
      UpdateExpression: 'SET shipment.updatedAt = :now, shipment.#status = :to, shipment.checkpoints = list_append(shipment.checkpoints, :checkpoint)',
      ConditionExpression: 'shipment.#status = :from',
      ExpressionAttributeValues: { ':now': expect.any(String), ':from': 'in_transit', ':to': 'out_for_delivery', ':checkpoint': [expect.objectContaining({ location: 'Depot' })] },
    });
  });

  it('404 for an unknown tracking number; 400 for an empty body', async () => {
    expectEnvelope(await patch('NOPE1234', { status: 'in_transit' }), 404, 'NOT_FOUND');
    expectEnvelope(await patch('NOPE1234', {}), 400, 'VALIDATION_ERROR');
  });
});

describe('reads', () => {
  it('GET /shipments/{n}: the owner and admins see it; another customer gets 404', async () => {
    const s = shipment('in_transit');
    store(s, claim(s));
    const get = async (role: 'admin' | 'customer', userId?: string) =>
      invoke(getShipment, apiEvent(routes.getShipment, { token: await signedIn(role, userId), path: { trackingNumber: '1z-999-aa1' } }));
    expect((await get('customer')).body).toMatchObject({ id: 's1', trackingNumber: '1Z999AA1', status: 'in_transit' });
    expect((await get('admin')).statusCode).toBe(200);
    expectEnvelope(await get('customer', 'c2'), 404, 'NOT_FOUND');
  });

  it('GET /shipments: customers read their own index partition (gsi2), admins every shard of the all-shipments list (gsi1); never a Scan', async () => {
    ddb.on(QueryCommand).resolves({ Items: [], ScannedCount: 0 });
    const list = async (role: 'admin' | 'customer') => invoke(listShipments, apiEvent(routes.listShipments, { token: await signedIn(role) }));
    expect((await list('customer')).body).toEqual({ items: [], nextCursor: null });
    expect((await list('admin')).body).toEqual({ items: [], nextCursor: null });
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((q) => [q.IndexName, q.ExpressionAttributeValues![':partition']])).toEqual([
      ['gsi2', 'USER#c1#SHIPMENTS'],
      ...Array.from({ length: WRITE_SHARDS }, (_, shard) => ['gsi1', `SHIPMENTS#${shard}`]),
    ]);
    // Newest first in every partition.
    for (const q of queries) expect(q).toMatchObject({ KeyConditionExpression: `${q.IndexName}pk = :partition`, ScanIndexForward: false });
  });

  it('GET /shipments?orderId: one Query of the order\'s partition, customers filtered to their own', async () => {
    ddb.on(QueryCommand).resolves({ Items: [], ScannedCount: 0 });
    await invoke(listShipments, apiEvent(routes.listShipments, { token: await signedIn('customer'), query: { orderId: 'o1' } }));
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'userId = :userId',
      ExpressionAttributeValues: { ':pk': 'ORDER#o1', ':prefix': 'SHIPMENT#', ':userId': 'c1' },
    });
  });
});
