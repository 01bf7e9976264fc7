/**
 * POST /orders/{id}/refunds through the real pipeline with DynamoDB and SQS mocked (issue 11
 * item 11): no Idempotency-Key → 400 before any read; an offline refund is one transaction (the
 * refund conditionally, the payment's `refunded`, the order's figures on the ledger version read)
 * and one `order.refunded` event with a deterministic id; a card payment without Stripe keys →
 * 503 and nothing written.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { idempotentRefundId } from '../../shared/payments/payment.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const order = {
  pk: 'ORDER#o1', sk: 'ORDER', type: 'order', id: 'o1', userId: 'u1', status: 'paid', paymentStatus: 'completed',
  items: [{ productId: 'p1', name: 'Mug', unitPrice: 1000, quantity: 2, lineTotal: 2000 }],
  total: 2000, amountPaid: 2000, amountDue: 0, currency: 'usd', shippingAddress: {}, statusHistory: [], createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z', stockOwned: true, paymentVersion: 3,
};
const payment = (provider: 'manual' | 'stripe') => ({
  pk: 'ORDER#o1', sk: 'PAYMENT#P1', type: 'payment', id: 'P1', orderId: 'o1', userId: 'u1', amount: 2000, currency: 'usd', method: 'cash',
  provider, reference: null, status: 'succeeded', flags: [], createdAt: '2026-01-01T00:01:00.000Z', recordedBy: 'a1',
});

let refund: typeof import('../../functions/payments/refund.js').handler;
let adminToken: string;

beforeAll(async () => {
  delete process.env.STRIPE_SECRET_KEY;
  refund = (await import('../../functions/payments/refund.js')).handler;
  adminToken = (await signAccessToken({ userId: 'a1', familyId: 'f1', sessionVersion: 0, role: 'admin' })).token;
});

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  ddb.on(BatchGetCommand).resolves({ Responses: { 'unit-table': [{ pk: 'USER#a1', role: 'admin', sessionVersion: 0 }, { pk: 'SESSION#f1', revoked: false }] } });
  ddb.on(GetCommand).resolves({ Item: order });
});

const call = (headers: Record<string, string>, body: unknown = { amount: 500, reason: 'damaged' }) =>
  invoke(refund, apiEvent(routes.refundOrder, { token: adminToken, path: { id: 'o1' }, body, headers }));

describe('POST /orders/{id}/refunds', () => {
  it('without an Idempotency-Key → 400 BAD_REQUEST before the order is read', async () => {
    const response = await call({});
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'BAD_REQUEST', details: { header: 'idempotency-key' } });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('an offline payment: one transaction (refund, payment refunded, order figures on version 3) and one order.refunded event with id refund:<id>', async () => {
    ddb.on(QueryCommand).resolves({ Items: [payment('manual')] });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await call({ 'idempotency-key': 'k1' });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    const id = idempotentRefundId('o1', 'k1');
    expect(response.body).toMatchObject({ id, paymentId: 'P1', amount: 500, status: 'succeeded', provider: 'manual' });
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const items = writes[0]!.args[0].input.TransactItems! as NonNullable<TransactWriteCommandInput['TransactItems']>;
    expect(items.map((item) => (item.Put?.Item ?? item.Update?.Key)!.sk)).toEqual([`REFUND#${id}`, 'ORDER', 'PAYMENT#P1']);
    expect(items[0]!.Put!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(items[1]!.Update!.ExpressionAttributeValues).toMatchObject({ ':pStatus': 'partially_refunded', ':pPaid': 1500, ':pRefunded': 500, ':pVersion': 3, ':pNext': 4 });
    expect(items[2]!.Update!.ExpressionAttributeValues).toMatchObject({ ':refunded': 500 });
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody!));
    expect(sent).toEqual([expect.objectContaining({ type: 'order.refunded', id: `refund:${id}`, data: expect.objectContaining({ orderId: 'o1', userId: 'u1', amount: 500, reason: 'damaged' }) })]);
  });

  it('a card payment without STRIPE_SECRET_KEY → 503 PAYMENTS_NOT_CONFIGURED, nothing written or published', async () => {
    ddb.on(QueryCommand).resolves({ Items: [payment('stripe')] });
    const response = await call({ 'idempotency-key': 'k2' });
    expect(response.statusCode).toBe(503);
    expect(response.body.error.code).toBe('PAYMENTS_NOT_CONFIGURED');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });
});
