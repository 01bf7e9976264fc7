/**
 * A scripted day of orders and payments against DynamoDB Local (through the conflict proxy);
 * the counters are fed by the table's stream, read by the same poller `npm start` runs, into
 * the aggregator. The report must equal the figures worked out by hand below. The day is a
 * random date far in the future (fake clock), so the counters of other test files, which share
 * the table, never mix in.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../infra/routes.js';
import { streamConsumers } from '../../infra/consumers.js';
import { startStreamPoller, type StreamPoller } from '../../infra/local/stream-poller.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';
import { paymentIntent, refundedCharge, sign, startFakeStripe, stripeEvent, stripeRefund, stripeTestEnv, type FakeStripe } from '../support/stripe-fake.js';

const day = `22${String(10 + Math.floor(Math.random() * 89)).padStart(2, '0')}-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;
const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
let admin: string;
let customer: string;
let h: {
  place: typeof import('../../functions/orders/place.js').handler;
  cancel: typeof import('../../functions/orders/cancel.js').handler;
  status: typeof import('../../functions/orders/change-status.js').handler;
  pay: typeof import('../../functions/payments/record.js').handler;
  refund: typeof import('../../functions/payments/refund.js').handler;
  webhook: typeof import('../../functions/payments/stripe-webhook.js').handler;
  report: typeof import('../../functions/admin/analytics.js').handler;
};
let fake: FakeStripe;
const ids: Record<string, string> = {};
let aggregate: typeof import('../../functions/events/order-facts.js').handler;
let stream: StreamPoller;

beforeAll(async () => {
  fake = await startFakeStripe();
  Object.assign(process.env, stripeTestEnv(fake.port));
  aggregate = (await import('../../functions/events/order-facts.js')).handler;
  const [consumer] = streamConsumers;
  stream = startStreamPoller({
    tableName: process.env.TABLE_NAME!,
    consumer: aggregate,
    consumerName: consumer!.id,
    batchSize: consumer!.batchSize,
    startAt: 'LATEST',
    log: () => {},
  });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(`${day}T09:00:00.000Z`));
  h = {
    place: (await import('../../functions/orders/place.js')).handler,
    cancel: (await import('../../functions/orders/cancel.js')).handler,
    status: (await import('../../functions/orders/change-status.js')).handler,
    pay: (await import('../../functions/payments/record.js')).handler,
    refund: (await import('../../functions/payments/refund.js')).handler,
    webhook: (await import('../../functions/payments/stripe-webhook.js')).handler,
    report: (await import('../../functions/admin/analytics.js')).handler,
  };
  const { ensureAdmin, registerAccount } = { ...(await import('../../shared/users/accounts.js')), ...(await import('../../shared/users/registration.js')) };
  const { startSession } = await import('../../shared/auth/sessions.js');
  const { createProduct } = await import('../../shared/products/product-repository.js');
  admin = (await startSession(await ensureAdmin({ email: `analytics-admin-${day}@example.com`, password: 'admin-password' }))).accessToken;
  customer = (await registerAccount({ email: `analytics-${day}-${Math.random()}@example.com`, password: 'correct horse', name: 'Buyer' })).session.accessToken;
  for (const [key, price] of [['A', 1000], ['B', 2500], ['C', 2000]] as const) {
    ids[key] = (await createProduct({ name: `Analytics ${key} ${day}`, description: '', price, currency: 'usd', stock: 100, lowStockThreshold: 5 })).id;
  }
});

afterAll(async () => {
  vi.useRealTimers();
  await stream.stop();
  await fake?.close();
});

async function place(items: [string, number][]): Promise<string> {
  // The fake clock stands still: move it so each order has its own creation time.
  vi.setSystemTime(Date.now() + 60_000);
  const response = await invoke(h.place, apiEvent(routes.placeOrder, { token: customer, body: { shippingAddress: address, items: items.map(([p, quantity]) => ({ productId: ids[p]!, quantity })) } }));
  expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}
const pay = (orderId: string, amount: number) =>
  invoke(h.pay, apiEvent(routes.recordPayment, { token: admin, path: { id: orderId }, body: { amount, method: 'cash' } }));
const refund = (orderId: string, amount: number) =>
  invoke(h.refund, apiEvent(routes.refundOrder, { token: admin, path: { id: orderId }, body: { amount, reason: 'analytics' }, headers: { 'idempotency-key': `a-${Math.random()}` } }));
const webhook = (event: object) => {
  const payload = JSON.stringify(event);
  return invoke(h.webhook, apiEvent(routes.stripeWebhook, { rawBody: payload, headers: { 'stripe-signature': sign(payload) } }));
};

describe('GET /admin/analytics after a scripted day', () => {
  it('matches the figures computed by hand, also under 20 concurrent partial payments; refunds counted once, however Stripe reports them', async () => {
    const o1 = await place([['A', 2]]); // 2000
    expect((await pay(o1, 2000)).statusCode).toBe(201); // → paid
    const o2 = await place([['A', 1], ['B', 1]]); // 3500
    await pay(o2, 1500);
    await pay(o2, 2000); // → paid
    const o3 = await place([['B', 2]]); // 5000
    await pay(o3, 1000); // stays pending, partially paid
    const o4 = await place([['A', 3]]); // 3000
    expect((await invoke(h.cancel, apiEvent(routes.cancelOrder, { token: customer, path: { id: o4 } }))).statusCode).toBe(200);
    const o5 = await place([['B', 1]]); // 2500: `paid` by hand is refused (issue 12 item 6), so it is no sale
    expect((await invoke(h.status, apiEvent(routes.changeOrderStatus, { token: admin, path: { id: o5 }, body: { status: 'paid' } }))).statusCode).toBe(409);
    expect((await invoke(h.status, apiEvent(routes.changeOrderStatus, { token: admin, path: { id: o5 }, body: { status: 'processing' } }))).statusCode).toBe(409);
    const o6 = await place([['C', 1]]); // 2000, paid by 20 concurrent payments of 100
    const payments = await Promise.all(Array.from({ length: 20 }, () => pay(o6, 100)));
    expect(payments.map((p) => p.statusCode)).toEqual(Array(20).fill(201));
    // Refunds (issue 11 item 11) flow into revenue once: 500 of o1 (cash) recorded here; 600 of o7
    // (card) through Stripe, then Stripe's charge.refunded for it (not counted again), then 200 more
    // refunded in the Stripe dashboard (cumulative 800).
    expect((await refund(o1, 500)).statusCode).toBe(201);
    const o7 = await place([['C', 1]]); // 2000, paid by card
    const pi = `pi_analytics_${Math.random().toString(36).slice(2)}`;
    expect((await webhook(stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, orderId: o7, amount: 2000 })))).statusCode).toBe(200);
    fake.charge(pi, 2000);
    expect((await refund(o7, 600)).statusCode).toBe(201);
    for (const refunded of [600, 600, 800]) {
      expect((await webhook(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded })))).statusCode).toBe(200);
    }

    // The counters follow the stream: once it is drained, the day is complete.
    await stream.idle();
    const report = await invoke(h.report, apiEvent(routes.getAnalytics, { token: admin, query: { from: day, to: day } }));
    expect(report.statusCode, JSON.stringify(report.body)).toBe(200);
    const r = report.body;
    expect(r.orderCount).toBe(7);
    // Payments in, minus refunds: o1's 500 and o7's 800 (600 issued here + 200 in the dashboard), each once.
    expect(r.revenue).toBe(2000 + 1500 + 2000 + 1000 + 20 * 100 + 2000 - 500 - 800);
    expect(r.paidOrders).toBe(4); // o1, o2, o6, o7 (never o5: no payment)
    expect(r.averageOrderValue).toBe(Math.round((2000 + 3500 + 2000 + 2000) / 4));
    expect(r.ordersByStatus).toMatchObject({ paid: 4, pending: 2, cancelled: 1, processing: 0, shipped: 0 });
    expect(r.topProducts).toEqual([
      { productId: ids.A, name: `Analytics A ${day}`, quantity: 3, revenue: 3000 },
      { productId: ids.C, name: `Analytics C ${day}`, quantity: 2, revenue: 4000 },
      { productId: ids.B, name: `Analytics B ${day}`, quantity: 1, revenue: 2500 },
    ]);
    expect(r.topProductsByRevenue.map((p: { productId: string }) => p.productId)).toEqual([ids.C, ids.A, ids.B]);
    expect(r.recentOrders.map((o: { id: string }) => o.id)).toEqual([o7, o6, o5, o4, o3, o2, o1]);

    // Another day holds none of it.
    const other = await invoke(h.report, apiEvent(routes.getAnalytics, { token: admin, query: { from: '2000-01-01', to: '2000-01-30' } }));
    expect(other.body).toMatchObject({ orderCount: 0, revenue: 0, paidOrders: 0, averageOrderValue: 0, topProducts: [] });
  });

  it('a card refund Stripe fails later gives its revenue back, once, whatever Stripe sends and in whatever order', async () => {
    const revenue = async () => {
      await stream.idle();
      const report = await invoke(h.report, apiEvent(routes.getAnalytics, { token: admin, query: { from: day, to: day } }));
      expect(report.statusCode, JSON.stringify(report.body)).toBe(200);
      return report.body.revenue as number;
    };
    const o8 = await place([['C', 1]]); // 2000, paid by card
    const pi = `pi_analytics_failed_${Math.random().toString(36).slice(2)}`;
    expect((await webhook(stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, orderId: o8, amount: 2000 })))).statusCode).toBe(200);
    fake.charge(pi, 2000);
    const paid = await revenue();
    const issued = await refund(o8, 700);
    expect(issued.statusCode).toBe(201);
    const t = Math.floor(Date.now() / 1000);
    await webhook(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 700 }), undefined, t));
    expect(await revenue()).toBe(paid - 700);
    const re = fake.refunds.find((r) => r.metadata.refundId === issued.body.id)!.id;
    const failed = stripeEvent('refund.failed', stripeRefund({ id: re, paymentIntentId: pi, amount: 700, created: t, metadata: { orderId: o8, refundId: issued.body.id } }), undefined, t + 1);
    for (const event of [failed, failed, stripeEvent('charge.refund.updated', stripeRefund({ id: re, paymentIntentId: pi, amount: 700, created: t }), undefined, t + 1)]) {
      expect((await webhook(event)).statusCode).toBe(200);
    }
    // charge.refunded again, late (made before the failure, still counting the 700): nothing moves.
    await webhook(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 700 }), undefined, t));
    expect(await revenue()).toBe(paid);
  });

  it('a stream batch delivered again, or to two consumers at once, counts once', async () => {
    const otherDay = `21${String(10 + Math.floor(Math.random() * 89)).padStart(2, '0')}-0${1 + Math.floor(Math.random() * 9)}-2${Math.floor(Math.random() * 8)}`;
    const image = (id: string, status: string) => ({
      pk: { S: `ORDER#${id}` }, sk: { S: 'ORDER' }, type: { S: 'order' }, id: { S: id }, status: { S: status }, total: { N: '700' },
      createdAt: { S: `${otherDay}T10:00:00.000Z` }, updatedAt: { S: `${otherDay}T10:00:00.000Z` },
      items: { L: [{ M: { productId: { S: 'px' }, quantity: { N: '1' }, lineTotal: { N: '700' } } }] },
      statusHistory: { L: [{ M: { status: { S: status }, at: { S: `${otherDay}T11:00:00.000Z` } } }] },
    });
    const record = (n: number, eventName: 'INSERT' | 'MODIFY', old: unknown, next: unknown) => ({
      eventID: `replay-${otherDay}-${n}`,
      eventName,
      dynamodb: { Keys: { pk: { S: 'ORDER#r1' }, sk: { S: 'ORDER' } }, SequenceNumber: String(n), OldImage: old, NewImage: next },
    });
    const event = {
      Records: [
        record(1, 'INSERT', undefined, image('r1', 'pending')),
        record(2, 'MODIFY', image('r1', 'pending'), image('r1', 'paid')),
        // Not counted: another item's change.
        { eventID: `replay-${otherDay}-3`, eventName: 'MODIFY', dynamodb: { Keys: { pk: { S: 'PRODUCT#px' }, sk: { S: 'PRODUCT' } }, SequenceNumber: '3' } },
      ],
    } as never;
    const results = await Promise.all([aggregate(event), aggregate(event), aggregate(event)]);
    expect(results.every((result) => result.batchItemFailures.length === 0)).toBe(true);
    expect(await aggregate(event)).toEqual({ batchItemFailures: [] });
    const report = await invoke(h.report, apiEvent(routes.getAnalytics, { token: admin, query: { from: otherDay, to: otherDay } }));
    expect(report.body).toMatchObject({ orderCount: 1, paidOrders: 1, averageOrderValue: 700, ordersByStatus: expect.objectContaining({ paid: 1, pending: 0 }) });
    expect(report.body.topProducts).toEqual([{ productId: 'px', name: null, quantity: 1, revenue: 700 }]);
  });

  it('400 for a reversed or over-long range, 403 for customers', async () => {
    expect((await invoke(h.report, apiEvent(routes.getAnalytics, { token: admin, query: { from: '2026-02-01', to: '2026-01-01' } }))).statusCode).toBe(400);
    expect((await invoke(h.report, apiEvent(routes.getAnalytics, { token: admin, query: { from: '2020-01-01', to: '2026-01-01' } }))).statusCode).toBe(400);
    expect((await invoke(h.report, apiEvent(routes.getAnalytics, { token: admin, query: { from: 'yesterday' } }))).statusCode).toBe(400);
    expect((await invoke(h.report, apiEvent(routes.getAnalytics, { token: customer }))).statusCode).toBe(403);
  });
});
