/**
 * Payment handlers through the real pipeline with DynamoDB and SQS mocked: a webhook whose
 * signature fails touches nothing; a valid one writes one transaction (event, payment and
 * payment intent conditionally, the order conditioned on its ledger version, pending → paid)
 * and puts `payment.completed` on the queue with a deterministic id; a lost ledger race is
 * read again and decided again; checkout without STRIPE_SECRET_KEY is a 503.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { shardOf } from '../../shared/write-shards.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';
import { paymentIntent, sign, stripeEvent, WEBHOOK_SECRET } from '../support/stripe-fake.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const order = {
  pk: 'ORDER#o1', sk: 'ORDER', type: 'order', id: 'o1', userId: 'u1', status: 'pending', paymentStatus: 'pending',
  items: [{ productId: 'p1', name: 'Mug', unitPrice: 1000, quantity: 2, lineTotal: 2000 }],
  total: 2000, amountPaid: 0, amountDue: 2000, currency: 'usd', shippingAddress: {}, statusHistory: [], createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z', stockOwned: true,
};

let webhook: typeof import('../../functions/payments/stripe-webhook.js').handler;
let record: typeof import('../../functions/payments/record.js').handler;
let adminToken: string;

beforeAll(async () => {
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  webhook = (await import('../../functions/payments/stripe-webhook.js')).handler;
  record = (await import('../../functions/payments/record.js')).handler;
  adminToken = (await signAccessToken({ userId: 'a1', familyId: 'f1', sessionVersion: 0, role: 'admin' })).token;
});

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  ddb.on(BatchGetCommand).resolves({ Responses: { 'unit-table': [{ pk: 'USER#a1', role: 'admin', sessionVersion: 0 }, { pk: 'SESSION#f1', revoked: false }] } });
  ddb.on(GetCommand).resolves({ Item: order });
  ddb.on(QueryCommand).resolves({ Items: [] });
});

const deliver = (payload: string, signature?: string) =>
  invoke(webhook, apiEvent(routes.stripeWebhook, { rawBody: payload, headers: signature ? { 'stripe-signature': signature } : {} }));

describe('POST /webhooks/stripe', () => {
  it('a bad, stale or missing signature → 400 before any read or write', async () => {
    const payload = JSON.stringify(stripeEvent('payment_intent.succeeded', paymentIntent({ id: 'pi_1', orderId: 'o1', amount: 2000 })));
    for (const signature of [sign(`${payload} `), sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 }), undefined, 't=1,v0=abc']) {
      const response = await deliver(payload, signature);
      expect(response.statusCode).toBe(400);
      expect(response.body.error.code).toBe('BAD_REQUEST');
    }
    expect(ddb.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('a completing payment: one transaction (order paid + ledger fields on the version read, payment, event, payment intent) and payment.completed', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const event = stripeEvent('payment_intent.succeeded', paymentIntent({ id: 'pi_1', orderId: 'o1', amount: 2000, amountDue: 2000 }));
    const payload = JSON.stringify(event);
    const response = await deliver(payload, sign(payload));
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const items = writes[0]!.args[0].input.TransactItems! as NonNullable<TransactWriteCommandInput['TransactItems']>;
    const update = items[0]!.Update!;
    expect(update.Key).toEqual({ pk: 'ORDER#o1', sk: 'ORDER' });
    expect(update.UpdateExpression).toContain('paymentStatus = :pStatus');
    expect(update.ConditionExpression).toContain('paymentVersion = :pVersion');
    expect(update.ExpressionAttributeValues).toMatchObject({ ':to': 'paid', ':from': 'pending', ':pStatus': 'completed', ':pPaid': 2000, ':pDue': 0, ':pVersion': 0, ':pNext': 1 });
    // [order, list entry, payment, stripe event, intent]: no status, sales or revenue counter
    // (counters come from the table's stream).
    expect(items.map((item) => (item.Update?.Key ?? item.Put?.Item)!.sk)).toEqual(['ORDER', 'IDX#ALL', 'PAYMENT#pi_1', 'EVENT', 'PI']);
    const puts = items.filter((item) => item.Put).map((item) => item.Put!);
    expect(puts.map((put) => [put.Item?.pk, put.Item?.sk, put.ConditionExpression])).toEqual([
      ['ORDER#o1', 'PAYMENT#pi_1', 'attribute_not_exists(pk)'],
      [`STRIPE_EVENT#${event.id}`, 'EVENT', 'attribute_not_exists(pk)'],
      ['STRIPE_PI#pi_1', 'PI', 'attribute_not_exists(pk)'],
    ]);
    // The all-payments list is write-sharded by the payment id.
    expect(puts[0]!.Item).toMatchObject({ gsi1pk: 'USER#u1#PAYMENTS', gsi2pk: `PAYMENTS#${shardOf('pi_1')}` });
    const sent = sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!));
    expect(sent).toEqual([expect.objectContaining({ type: 'payment.completed', id: 'payment-completed:o1', data: expect.objectContaining({ orderId: 'o1', amountPaid: 2000 }) })]);
  });

  it('the event seen before (its marker condition fails) → 200, no event published', async () => {
    ddb.on(TransactWriteCommand).rejects(
      // [order, list entry, payment, stripe event ✗, intent]: no counters (they come from the table's stream)
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
    );
    const payload = JSON.stringify(stripeEvent('payment_intent.succeeded', paymentIntent({ id: 'pi_1', orderId: 'o1', amount: 2000 })));
    expect((await deliver(payload, sign(payload))).statusCode).toBe(200);
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.args[0].input.TransactItems!.map((item) => (item.Update?.Key ?? item.Put?.Item)!.sk)).toEqual(['ORDER', 'IDX#ALL', 'PAYMENT#pi_1', 'EVENT', 'PI']);
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe('POST /orders/{id}/payments', () => {
  it('a lost race on the ledger version is read again and decided again (no status change for a partial payment)', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }))
      .resolves({});
    const response = await invoke(record, apiEvent(routes.recordPayment, { token: adminToken, path: { id: 'o1' }, body: { amount: 500, method: 'cash' } }));
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ orderId: 'o1', amount: 500, currency: 'usd', method: 'cash', provider: 'manual', reference: null, status: 'succeeded', flags: [] });
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(2);
    const update = writes[1]!.args[0].input.TransactItems![0]!.Update!;
    expect(update.UpdateExpression).not.toContain('#status');
    expect(update.ExpressionAttributeValues).toMatchObject({ ':pStatus': 'partially_paid', ':pPaid': 500, ':pDue': 1500 });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('400 for bad bodies (no currency, no fractions, known methods only)', async () => {
    for (const body of [{ amount: 0, method: 'cash' }, { amount: 1.5, method: 'cash' }, { amount: 100, method: 'cheque' }, { amount: 100, method: 'cash', currency: 'eur' }, {}]) {
      const response = await invoke(record, apiEvent(routes.recordPayment, { token: adminToken, path: { id: 'o1' }, body }));
      expect(response.statusCode).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('POST /orders/{id}/checkout without Stripe keys', () => {
  it('a payable order → 503 PAYMENTS_NOT_CONFIGURED, nothing written', async () => {
    vi.resetModules();
    delete process.env.STRIPE_SECRET_KEY;
    const { handler } = await import('../../functions/payments/checkout.js');
    const { routes: freshRoutes } = await import('../../infra/routes.js');
    const response = await invoke(handler, apiEvent(freshRoutes.createCheckout, { token: adminToken, path: { id: 'o1' } }));
    expect(response.statusCode).toBe(503);
    expect(response.body.error.code).toBe('PAYMENTS_NOT_CONFIGURED');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
