/**
 * Every endpoint and error of API.md "Payments" over HTTP, against the local stack (or
 * API_URL). The local stack has no Stripe API key (checkout answers 503) but a webhook signing
 * secret, so Stripe-signed events (Stripe's own generateTestHeaderString) run end to end;
 * against another target they run only when its STRIPE_WEBHOOK_SECRET is given.
 */
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { emailsTo } from '../support/mail-store.js';
import { adminToken, api, expectError, registerUser, target } from './client.js';

const tag = `e2e${crypto.randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
const webhookSecret = target.stripeWebhookSecret;

let admin: string;
type Customer = Awaited<ReturnType<typeof registerUser>>;
let ann: Customer;
let bob: Customer;

beforeAll(async () => {
  admin = await adminToken();
  [ann, bob] = await Promise.all([registerUser('pay-ann'), registerUser('pay-bob')]);
});

/** A pending order of 2 × 1250 (total 2500) for this customer. */
async function newOrder(who: Customer) {
  const product = await api('POST', '/products', { token: admin, body: { name: `Payable ${tag}`, price: 1250, stock: 20 } });
  if (product.status !== 201) throw new Error(`create failed: ${product.status} ${product.text}`);
  const order = await api('POST', '/orders', { token: who.accessToken, body: { shippingAddress: address, items: [{ productId: product.body.id, quantity: 2 }] } });
  if (order.status !== 201) throw new Error(`order failed: ${order.status} ${order.text}`);
  return order.body as { id: string; total: number; currency: string };
}
const pay = (orderId: string, body: unknown, options: { token?: string; key?: string } = {}) =>
  api('POST', `/orders/${orderId}/payments`, { token: options.token ?? admin, body, ...(options.key ? { headers: { 'idempotency-key': options.key } } : {}) });

describe('POST /orders/{id}/checkout', () => {
  it('401 anonymous; 404 another customer’s order; 409 when paid; 503 PAYMENTS_NOT_CONFIGURED without Stripe keys', async () => {
    const order = await newOrder(ann);
    expectError(await api('POST', `/orders/${order.id}/checkout`), 401, 'UNAUTHORIZED');
    expectError(await api('POST', `/orders/${order.id}/checkout`, { token: bob.accessToken }), 404, 'NOT_FOUND');
    expectError(await api('POST', '/orders/no-such-order/checkout', { token: admin }), 404, 'NOT_FOUND');
    if (webhookSecret && !process.env.API_URL) {
      // The local stack runs without STRIPE_SECRET_KEY.
      expectError(await api('POST', `/orders/${order.id}/checkout`, { token: ann.accessToken }), 503, 'PAYMENTS_NOT_CONFIGURED');
    }
    await pay(order.id, { amount: order.total, method: 'cash' });
    const paid = expectError(await api('POST', `/orders/${order.id}/checkout`, { token: ann.accessToken }), 409, 'CONFLICT');
    expect(paid.details).toMatchObject({ status: 'paid' });
  });
});

describe('POST /orders/{id}/payments (admin)', () => {
  it('partial payments up to the total: partially_paid, then completed and paid; GET /orders/{id} lists them; one confirmation email', async () => {
    const order = await newOrder(ann);
    const first = await pay(order.id, { amount: 1000, method: 'bank_transfer', reference: 'wire 42' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.any(String),
      orderId: order.id,
      amount: 1000,
      currency: 'usd',
      method: 'bank_transfer',
      provider: 'manual',
      reference: 'wire 42',
      status: 'succeeded',
      flags: [],
      refunded: 0,
      createdAt: expect.any(String),
    });
    const partial = await api('GET', `/orders/${order.id}`, { token: ann.accessToken });
    expect(partial.body).toMatchObject({ status: 'pending', paymentStatus: 'partially_paid', amountPaid: 1000, amountDue: 1500 });
    expect(partial.body.payments).toEqual([first.body]);
    const rest = await pay(order.id, { amount: 2000, method: 'cash' });
    expect(rest.body.flags).toEqual(['overpayment']);
    const done = await api('GET', `/orders/${order.id}`, { token: ann.accessToken });
    expect(done.body).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: 3000, amountDue: 0 });
    expect(done.body.payments).toHaveLength(2);
    if (target.sesStoreUrl) {
      const confirmationsOf = async () => (await emailsTo(target.sesStoreUrl!, ann.email)).filter((e) => e.subject.includes(order.id) && e.subject.includes('confirmed'));
      const deadline = Date.now() + 15_000;
      while ((await confirmationsOf()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      // Give a duplicate the time to show up, if there were one.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const confirmations = await confirmationsOf();
      expect(confirmations).toHaveLength(1);
      expect(confirmations[0]!.body.text).toContain('$30.00');
    }
  });

  it('Idempotency-Key: same body → the same payment (idempotent-replayed), another body → 422', async () => {
    const order = await newOrder(bob);
    const key = `pay-${crypto.randomUUID()}`;
    const first = await pay(order.id, { amount: 500, method: 'card' }, { key });
    const again = await pay(order.id, { amount: 500, method: 'card' }, { key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expectError(await pay(order.id, { amount: 600, method: 'card' }, { key }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect((await api('GET', `/orders/${order.id}`, { token: admin })).body.amountPaid).toBe(500);
  });

  it('a cancelled order refuses an admin-recorded payment (issue 12 item 7): 409 CONFLICT, nothing recorded', async () => {
    const order = await newOrder(bob);
    expect((await api('POST', `/orders/${order.id}/cancel`, { token: bob.accessToken })).status).toBe(200);
    const refused = expectError(await pay(order.id, { amount: order.total, method: 'cash' }), 409, 'CONFLICT');
    expect(refused.details).toMatchObject({ status: 'cancelled' });
    expect((await api('GET', `/orders/${order.id}`, { token: admin })).body).toMatchObject({ status: 'cancelled', paymentStatus: 'pending', amountPaid: 0, payments: [] });
  });

  it('401 anonymous, 403 customers, 404 unknown order, 400 invalid bodies', async () => {
    const order = await newOrder(ann);
    expectError(await api('POST', `/orders/${order.id}/payments`, { body: { amount: 100, method: 'cash' } }), 401, 'UNAUTHORIZED');
    expectError(await pay(order.id, { amount: 100, method: 'cash' }, { token: ann.accessToken }), 403, 'FORBIDDEN');
    expectError(await pay('no-such-order', { amount: 100, method: 'cash' }), 404, 'NOT_FOUND');
    for (const body of [{ amount: 0, method: 'cash' }, { amount: 10.5, method: 'cash' }, { amount: 100, method: 'iou' }, { amount: 100, method: 'cash', currency: 'eur' }]) {
      expectError(await pay(order.id, body), 400, 'VALIDATION_ERROR');
    }
    expectError(await pay(order.id, { amount: 100, method: 'cash' }, { key: 'bad key with spaces' }), 400, 'BAD_REQUEST');
  });
});

describe('GET /payments', () => {
  it('customers: own orders only (another’s orderId → 404); admin: all and by order; cursor pages; 400 bad cursor; 401 anonymous', async () => {
    const customer = await registerUser('pay-list');
    const [mine, theirs] = await Promise.all([newOrder(customer), newOrder(bob)]);
    for (const amount of [100, 200, 300]) await pay(mine.id, { amount, method: 'other' });
    await pay(theirs.id, { amount: 100, method: 'other' });
    const own = await api('GET', '/payments', { token: customer.accessToken });
    expect(own.status).toBe(200);
    expect(own.body.items).toHaveLength(3);
    expect(own.body.items.every((p: { orderId: string }) => p.orderId === mine.id)).toBe(true);
    expectError(await api('GET', `/payments?orderId=${theirs.id}`, { token: customer.accessToken }), 404, 'NOT_FOUND');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof api>> = await api('GET', `/payments?orderId=${mine.id}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: admin });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(3);
    const all = await api('GET', '/payments?limit=100', { token: admin });
    expect(all.body.items.map((p: { orderId: string }) => p.orderId)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expectError(await api('GET', '/payments?cursor=forged.cursor', { token: admin }), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/payments?limit=0', { token: admin }), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/payments'), 401, 'UNAUTHORIZED');
  });
});

if (webhookSecret) {
  describe('POST /webhooks/stripe (events signed with Stripe’s test helper)', () => {
    const event = (type: string, object: Record<string, unknown>) =>
      JSON.stringify({ id: `evt_${crypto.randomUUID().replace(/-/g, '')}`, object: 'event', type, created: Math.floor(Date.now() / 1000), livemode: false, data: { object } });
    const intent = (orderId: string, amount: number) => ({
      id: `pi_${crypto.randomUUID().replace(/-/g, '')}`,
      object: 'payment_intent',
      amount,
      amount_received: amount,
      currency: 'usd',
      metadata: { orderId, amountDue: String(amount) },
    });
    const deliver = (payload: string, signature?: string) =>
      api('POST', '/webhooks/stripe', { rawBody: payload, headers: signature ? { 'stripe-signature': signature } : {} });
    const sign = (payload: string, timestamp?: number) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret, ...(timestamp !== undefined ? { timestamp } : {}) });

    it('missing, forged or stale signature → 400 and nothing changes; a valid one → 200, the order paid, replays change nothing', async () => {
      const order = await newOrder(ann);
      const payload = event('payment_intent.succeeded', intent(order.id, order.total));
      expectError(await deliver(payload), 400, 'BAD_REQUEST');
      expectError(await deliver(payload.replace('"usd"', '"USD"'), sign(payload)), 400, 'BAD_REQUEST');
      expectError(await deliver(payload, sign(payload, Math.floor(Date.now() / 1000) - 3600)), 400, 'BAD_REQUEST');
      expect((await api('GET', `/orders/${order.id}`, { token: admin })).body).toMatchObject({ status: 'pending', amountPaid: 0 });
      const responses = await Promise.all([deliver(payload, sign(payload)), deliver(payload, sign(payload))]);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      expect(responses[0]!.body).toEqual({ received: true });
      expect((await deliver(payload, sign(payload))).status).toBe(200);
      const paid = await api('GET', `/orders/${order.id}`, { token: ann.accessToken });
      expect(paid.body).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: order.total, amountDue: 0 });
      expect(paid.body.payments).toEqual([expect.objectContaining({ provider: 'stripe', method: 'card', amount: order.total, status: 'succeeded' })]);
    });

    it('payment_intent.payment_failed within the payment window → the order stays pending and the customer is emailed a link to pay again', async () => {
      const order = await newOrder(bob);
      const payload = event('payment_intent.payment_failed', { ...intent(order.id, order.total), last_payment_error: { message: 'Your card was declined.' } });
      expect((await deliver(payload, sign(payload))).status).toBe(200);
      expect((await api('GET', `/orders/${order.id}`, { token: bob.accessToken })).body.status).toBe('pending');
      if (target.sesStoreUrl) {
        const subject = `Payment for order ${order.id} did not go through`;
        const deadline = Date.now() + 15_000;
        let emails = await emailsTo(target.sesStoreUrl, bob.email);
        while (!emails.some((e) => e.subject === subject) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          emails = await emailsTo(target.sesStoreUrl, bob.email);
        }
        const failed = emails.filter((e) => e.subject === subject);
        expect(failed).toHaveLength(1);
        expect(failed[0]!.body.text).toMatch(/you can pay again, with the same or another card, until \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC/);
        expect(failed[0]!.body.text).toContain(`/orders/${order.id}`);
      }
    });
  });
}
