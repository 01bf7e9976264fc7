/**
 * GET /orders/{id}'s read (issue 13): one Query of the order's partition, every page of it,
 * sorted into the order, its ledger and its shipments; another customer's order is a 404.
 */
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../shared/auth/authenticate.js';
import { orderDetailFor } from '../../shared/orders/order-detail.js';
import { ledgerOf } from '../../shared/payments/payment-repository.js';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

const auth = (userId: string, role: 'customer' | 'admin' = 'customer'): AuthContext => ({ userId, role, jti: 'j', familyId: 'f', sessionVersion: 0, tokenExpiresAt: 0 });
const pk = 'ORDER#o1';
// The partition in sort-key order, as DynamoDB returns it.
const partition = [
  { pk, sk: 'IDX#ALL', type: 'orderIndex', orderId: 'o1', userId: 'u1' },
  { pk, sk: 'ORDER', type: 'order', id: 'o1', userId: 'u1', status: 'paid', items: [], total: 500 },
  { pk, sk: 'PAYMENT#p1', type: 'payment', id: 'p1', orderId: 'o1', amount: 500, createdAt: '2026-01-01T00:00:00.000Z' },
  { pk, sk: 'REFUND#CHARGE#ch1', type: 'chargeRefund', chargeId: 'ch1', refunded: 0 },
  { pk, sk: 'REFUND#r1', type: 'refund', id: 'r1', amount: 100 },
  { pk, sk: 'SHIPMENT#s1', type: 'shipment', id: 's1', orderId: 'o1' },
  { pk, sk: 'SHIPMENT#s2', type: 'shipment', id: 's2', orderId: 'o1' },
];

describe('orderDetailFor', () => {
  it('reads the whole partition with one Query (strongly consistent, every page) and sorts it out', async () => {
    ddb.on(QueryCommand)
      .resolvesOnce({ Items: partition.slice(0, 4), LastEvaluatedKey: { pk, sk: 'REFUND#CHARGE#ch1' } })
      .resolvesOnce({ Items: partition.slice(4) });
    const detail = await orderDetailFor(auth('u1'), 'o1');
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2); // one Query, two pages
    expect(queries[0]).toMatchObject({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true });
    expect(queries[1]!.ExclusiveStartKey).toEqual({ pk, sk: 'REFUND#CHARGE#ch1' });
    expect(detail.order).toMatchObject({ id: 'o1', userId: 'u1', status: 'paid' });
    expect(detail.ledger.payments.map((p) => p.id)).toEqual(['p1']);
    expect(detail.ledger.refunds.map((r) => r.id)).toEqual(['r1']);
    expect(detail.ledger.chargeRefunds.map((c) => c.chargeId)).toEqual(['ch1']);
    expect(detail.shipments.map((s) => s.id)).toEqual(['s1', 's2']);
  });

  it("another customer's order and a missing one are 404; an admin sees any", async () => {
    ddb.on(QueryCommand).resolves({ Items: partition });
    await expect(orderDetailFor(auth('u2'), 'o1')).rejects.toMatchObject({ status: 404 });
    await expect(orderDetailFor(auth('a1', 'admin'), 'o1')).resolves.toMatchObject({ order: { id: 'o1' } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(orderDetailFor(auth('u1'), 'o1')).rejects.toMatchObject({ status: 404 });
  });
});

describe('ledgerOf', () => {
  it('takes payments and refunds from the ledger range only, whatever else the partition holds', () => {
    const stray = { pk, sk: 'SHIPMENT#x', type: 'payment', id: 'not-a-ledger-item' };
    const ledger = ledgerOf([...partition, stray]);
    expect(ledger.payments.map((p) => p.id)).toEqual(['p1']);
    expect(ledger.refunds).toHaveLength(1);
    expect(ledger.chargeRefunds).toHaveLength(1);
  });
});
