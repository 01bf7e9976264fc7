/**
 * POST /orders/{id}/refunds (issue 11 item 11) over HTTP, against the local stack (or API_URL).
 * The local stack has no Stripe API key: offline payments are refunded end to end (with a
 * parallel burst), a card payment (recorded by a Stripe-signed webhook) answers 503
 * PAYMENTS_NOT_CONFIGURED. Card refunds through Stripe's Refunds API run against the fake Stripe
 * server in test/integration/refunds.test.ts.
 */
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitForEmails } from '../support/mail-store.js';
import { adminToken, api, expectError, registerUser, target } from './client.js';

const tag = `e2e${crypto.randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
let admin: string;
type Customer = Awaited<ReturnType<typeof registerUser>>;

beforeAll(async () => {
  admin = await adminToken();
});

/** A pending order of 2 × 1000 (total 2000) for this customer. */
async function newOrder(who: Customer) {
  const product = await api('POST', '/products', { token: admin, body: { name: `Refundable ${tag}`, price: 1000, stock: 20 } });
  const order = await api('POST', '/orders', { token: who.accessToken, body: { shippingAddress: address, items: [{ productId: product.body.id, quantity: 2 }] } });
  if (order.status !== 201) throw new Error(`order failed: ${order.status} ${order.text}`);
  return order.body as { id: string; total: number };
}
const refund = (orderId: string, body: unknown, key: string | null = `e2e-${crypto.randomUUID()}`, token = admin) =>
  api('POST', `/orders/${orderId}/refunds`, { token, body, ...(key !== null ? { headers: { 'idempotency-key': key } } : {}) });

describe('POST /orders/{id}/refunds', () => {
  it('offline payment: 201 refund, partially_refunded then refunded, the order stays paid, refunds in the detail, one email per refund; replay; 409 beyond what was paid', async () => {
    const customer = await registerUser('refund');
    const order = await newOrder(customer);
    expect((await api('POST', `/orders/${order.id}/payments`, { token: admin, body: { amount: 2000, method: 'cash' } })).status).toBe(201);
    const key = `e2e-${crypto.randomUUID()}`;
    const first = await refund(order.id, { amount: 800, reason: 'one mug arrived broken' }, key);
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ orderId: order.id, amount: 800, currency: 'usd', reason: 'one mug arrived broken', status: 'succeeded', provider: 'manual' });
    const replay = await refund(order.id, { amount: 800, reason: 'one mug arrived broken' }, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expectError(await refund(order.id, { amount: 900, reason: 'one mug arrived broken' }, key), 422, 'IDEMPOTENCY_KEY_REUSED');

    const partial = (await api('GET', `/orders/${order.id}`, { token: customer.accessToken })).body;
    expect(partial).toMatchObject({ status: 'paid', paymentStatus: 'partially_refunded', amountPaid: 1200, amountRefunded: 800 });
    expect(partial.refunds).toEqual([first.body]);
    expect(partial.payments).toEqual([expect.objectContaining({ amount: 2000, refunded: 800 })]);

    const beyond = expectError(await refund(order.id, { amount: 1201, reason: 'all' }), 409, 'REFUND_EXCEEDS_REFUNDABLE');
    expect(beyond.details).toMatchObject({ refundable: 1200, requested: 1201 });
    expect((await refund(order.id, { amount: 1200, reason: 'order returned' })).status).toBe(201);
    const done = (await api('GET', `/orders/${order.id}`, { token: customer.accessToken })).body;
    expect(done).toMatchObject({ status: 'paid', paymentStatus: 'refunded', amountPaid: 0, amountRefunded: 2000 });
    expect(done.refunds).toHaveLength(2);

    if (target.sesStoreUrl) {
      // Welcome, order received, confirmation, two refunds.
      const emails = await waitForEmails(target.sesStoreUrl, customer.email.toLowerCase(), 5);
      const refundsMailed = emails.filter((e) => e.subject.startsWith('Refund of') && e.subject.includes(order.id));
      expect(refundsMailed.map((e) => e.subject).sort()).toEqual([`Refund of $12.00 for order ${order.id}`, `Refund of $8.00 for order ${order.id}`]);
    }
  });

  it('40 parallel refunds of 150 on 2000 paid: exactly 13 × 201 and 27 × 409, 50 left to refund', async () => {
    const customer = await registerUser('refund-burst');
    const order = await newOrder(customer);
    await api('POST', `/orders/${order.id}/payments`, { token: admin, body: { amount: 2000, method: 'bank_transfer' } });
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => refund(order.id, { amount: 150, reason: `burst ${i}` })));
    const counts = responses.reduce<Record<number, number>>((all, r) => ({ ...all, [r.status]: (all[r.status] ?? 0) + 1 }), {});
    expect(counts).toEqual({ 201: 13, 409: 27 });
    for (const refused of responses.filter((r) => r.status === 409)) expectError(refused, 409, 'REFUND_EXCEEDS_REFUNDABLE');
    expect((await api('GET', `/orders/${order.id}`, { token: admin })).body).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 50, amountRefunded: 1950 });
  });

  it('400 without an Idempotency-Key or with a bad body; 401; 403 customers; 404 unknown order; 409 nothing paid', async () => {
    const customer = await registerUser('refund-errors');
    const order = await newOrder(customer);
    expect(expectError(await refund(order.id, { amount: 100, reason: 'x' }, null), 400, 'BAD_REQUEST').details).toMatchObject({ header: 'idempotency-key' });
    for (const body of [{}, { amount: -1, reason: 'x' }, { amount: 100, reason: '' }, { amount: 100, reason: 'x', extra: true }]) {
      expectError(await refund(order.id, body), 400, 'VALIDATION_ERROR');
    }
    expectError(await api('POST', `/orders/${order.id}/refunds`, { body: { amount: 100, reason: 'x' }, headers: { 'idempotency-key': 'k' } }), 401, 'UNAUTHORIZED');
    expectError(await refund(order.id, { amount: 100, reason: 'x' }, undefined, customer.accessToken), 403, 'FORBIDDEN');
    expectError(await refund('no-such-order', { amount: 100, reason: 'x' }), 404, 'NOT_FOUND');
    expectError(await refund(order.id, { amount: 100, reason: 'x' }), 409, 'REFUND_EXCEEDS_REFUNDABLE');
  });

  if (target.stripeWebhookSecret && !process.env.API_URL) {
    it('a card payment needs Stripe to refund: 503 PAYMENTS_NOT_CONFIGURED on the local stack (no Stripe key), nothing written', async () => {
      const customer = await registerUser('refund-card');
      const order = await newOrder(customer);
      const pi = `pi_${crypto.randomUUID().replace(/-/g, '')}`;
      const payload = JSON.stringify({
        id: `evt_${crypto.randomUUID().replace(/-/g, '')}`, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), livemode: false,
        data: { object: { id: pi, object: 'payment_intent', amount: 2000, amount_received: 2000, currency: 'usd', metadata: { orderId: order.id, amountDue: '2000' } } },
      });
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: target.stripeWebhookSecret! });
      expect((await api('POST', '/webhooks/stripe', { rawBody: payload, headers: { 'stripe-signature': signature } })).status).toBe(200);
      expectError(await refund(order.id, { amount: 500, reason: 'x' }), 503, 'PAYMENTS_NOT_CONFIGURED');
      expect((await api('GET', `/orders/${order.id}`, { token: admin })).body).toMatchObject({ paymentStatus: 'completed', amountRefunded: 0, refunds: [] });
    });
  }
});
