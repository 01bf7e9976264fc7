/**
 * Refunds (issue 11 item 11) against DynamoDB Local (through the conflict proxy), fauxqs, SES
 * local and the fake Stripe API, through the real handlers: offline and card refunds, Stripe's
 * idempotency key, charge.refunded for a refund issued here counted once, dashboard refunds,
 * Stripe refusing or failing, refund_required orders, parallel bursts, one email per refund;
 * refunds Stripe fails later (refund.failed & co.), in any order with charge.refunded.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSqsRecord } from '../../infra/local/queue-poller.js';
import { routes } from '../../infra/routes.js';
import { db, tableName } from '../../shared/clients/dynamodb.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';
import { emailsTo } from '../support/mail-store.js';
import { paymentIntent, refundedCharge, sign, startFakeStripe, stripeEvent, stripeRefund, stripeTestEnv, type FakeStripe } from '../support/stripe-fake.js';
import { createTestQueue } from '../support/test-queue.js';

const tag = `rf${randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
let fake: FakeStripe;
let drainQueue: Awaited<ReturnType<typeof createTestQueue>>['drain'];

let h: {
  refund: typeof import('../../functions/payments/refund.js').handler;
  record: typeof import('../../functions/payments/record.js').handler;
  webhook: typeof import('../../functions/payments/stripe-webhook.js').handler;
  getOrder: typeof import('../../functions/orders/get.js').handler;
  cancel: typeof import('../../functions/orders/cancel.js').handler;
  process: typeof import('../../functions/events/process-order-events.js').handler;
};
let m: {
  createProduct: typeof import('../../shared/products/product-repository.js').createProduct;
  placeOrder: typeof import('../../shared/orders/order-repository.js').placeOrder;
  findOrder: typeof import('../../shared/orders/order-repository.js').findOrder;
  createUser: typeof import('../../shared/users/user-repository.js').createUser;
  startSession: typeof import('../../shared/auth/sessions.js').startSession;
};
let admin: { id: string; token: string };

beforeAll(async () => {
  fake = await startFakeStripe();
  Object.assign(process.env, stripeTestEnv(fake.port));
  const queue = await createTestQueue('refunds-it');
  drainQueue = queue.drain;
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  h = {
    refund: (await import('../../functions/payments/refund.js')).handler,
    record: (await import('../../functions/payments/record.js')).handler,
    webhook: (await import('../../functions/payments/stripe-webhook.js')).handler,
    getOrder: (await import('../../functions/orders/get.js')).handler,
    cancel: (await import('../../functions/orders/cancel.js')).handler,
    process: (await import('../../functions/events/process-order-events.js')).handler,
  };
  m = {
    createProduct: (await import('../../shared/products/product-repository.js')).createProduct,
    placeOrder: (await import('../../shared/orders/order-repository.js')).placeOrder,
    findOrder: (await import('../../shared/orders/order-repository.js')).findOrder,
    createUser: (await import('../../shared/users/user-repository.js')).createUser,
    startSession: (await import('../../shared/auth/sessions.js')).startSession,
  };
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  const adminUser = await ensureAdmin({ email: `refunds-admin-${tag}@example.com`, password: 'admin-password' });
  admin = { id: adminUser.id, token: (await m.startSession(adminUser)).accessToken };
});
afterAll(async () => fake?.close());

interface Customer {
  id: string;
  email: string;
  token: string;
}
async function newCustomer(label = 'refundee'): Promise<Customer> {
  const user = await m.createUser({ email: `${label}-${tag}-${randomUUID().slice(0, 8)}@example.com`, name: `${label} ${tag}`, passwordHash: 'unused', role: 'customer' });
  return { id: user.id, email: user.email, token: (await m.startSession(user)).accessToken };
}
/** A pending order of 2 × 1000 (total 2000). */
async function newOrder(who: Customer) {
  const product = await m.createProduct({ name: `Refundable ${tag}`, description: '', price: 1000, currency: 'usd', stock: 50, lowStockThreshold: 0 });
  return (await m.placeOrder({ userId: who.id, input: { shippingAddress: address, items: [{ productId: product.id, quantity: 2 }] } })).order;
}
const send = (event: object) => {
  const payload = JSON.stringify(event);
  return invoke(h.webhook, apiEvent(routes.stripeWebhook, { rawBody: payload, headers: { 'stripe-signature': sign(payload) } }));
};
/** The order paid in full by card (a Stripe webhook); the fake knows the charge. Returns the payment intent id. */
async function payByCard(orderId: string, amount = 2000): Promise<string> {
  const pi = `pi_${randomUUID().replace(/-/g, '')}`;
  expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, orderId, amount })))).statusCode).toBe(200);
  fake.charge(pi, amount);
  return pi;
}
const payCash = (orderId: string, amount = 2000) =>
  invoke(h.record, apiEvent(routes.recordPayment, { token: admin.token, path: { id: orderId }, body: { amount, method: 'cash' } }));
/** `key: null` sends no Idempotency-Key; by default a fresh one. */
const refund = (orderId: string, body: unknown, key: string | null = `rk-${randomUUID()}`, token = admin.token) =>
  invoke(h.refund, apiEvent(routes.refundOrder, { token, path: { id: orderId }, body, ...(key !== null ? { headers: { 'idempotency-key': key } } : {}) }));

/** A refund of 600 asked while Stripe answers 500: 502, held as pending. */
async function refundDuringOutage(orderId: string, key: string): Promise<ParsedResponse> {
  fake.failWith(500);
  try {
    const down = await refund(orderId, { amount: 600, reason: 'outage' }, key);
    expect(down.statusCode).toBe(502);
    return down;
  } finally {
    fake.failWith(undefined);
  }
}
const detail = async (orderId: string) => (await invoke(h.getOrder, apiEvent(routes.getOrder, { token: admin.token, path: { id: orderId } }))).body;
const paymentItem = async (orderId: string, paymentId: string) =>
  (await db.send(new GetCommand({ TableName: tableName, Key: { pk: `ORDER#${orderId}`, sk: `PAYMENT#${paymentId}` }, ConsistentRead: true }))).Item!;
const codes = (responses: readonly ParsedResponse[]) =>
  responses.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.statusCode]: (counts[r.statusCode] ?? 0) + 1 }), {});

/** Runs this file's queued events through the processor (each twice: a redelivery sends nothing). */
async function processEvents(): Promise<string[]> {
  const messages = await drainQueue();
  if (messages.length > 0) {
    const batch = { Records: messages.map((message) => toSqsRecord(message, 'arn:aws:sqs:us-east-1:0:refunds-it')) };
    expect((await h.process(batch)).batchItemFailures).toEqual([]);
    await h.process(batch);
  }
  return messages.map((message) => (JSON.parse(message.Body!) as { type: string }).type);
}
/**
 * processEvents one message at a time: copies of one event (a webhook delivered twice publishes
 * it twice, same id) in one batch would find each other's claim busy and be retried by SQS.
 */
async function processEventsOneByOne(): Promise<string[]> {
  const messages = await drainQueue();
  for (const message of messages) {
    const batch = { Records: [toSqsRecord(message, 'arn:aws:sqs:us-east-1:0:refunds-it')] };
    expect((await h.process(batch)).batchItemFailures).toEqual([]);
  }
  return messages.map((message) => (JSON.parse(message.Body!) as { type: string }).type);
}
const refundEmails = async (email: string) => (await emailsTo(process.env.SES_STORE_URL!, email)).filter((e) => e.subject.startsWith('Refund of'));

describe('offline payments', () => {
  it('recorded as refunded at once: partially_refunded, then refunded; the order stays paid; detail lists them; one email each; replay and key reuse', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    expect((await payCash(order.id)).statusCode).toBe(201);
    await processEvents();
    const key = `rk-${randomUUID()}`;
    const first = await refund(order.id, { amount: 500, reason: 'damaged mug' }, key);
    expect(first.statusCode, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^R/),
      orderId: order.id,
      paymentId: expect.any(String),
      amount: 500,
      currency: 'usd',
      reason: 'damaged mug',
      status: 'succeeded',
      failure: null,
      provider: 'manual',
      createdAt: expect.any(String),
    });
    expect(fake.refunds.filter((r) => r.metadata.orderId === order.id)).toEqual([]);
    const replay = await refund(order.id, { amount: 500, reason: 'damaged mug' }, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const reused = await refund(order.id, { amount: 400, reason: 'damaged mug' }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    let view = await detail(order.id);
    expect(view).toMatchObject({ status: 'paid', paymentStatus: 'partially_refunded', amountPaid: 1500, amountRefunded: 500, amountDue: 500 });
    expect(view.refunds).toEqual([first.body]);
    expect(view.payments).toEqual([expect.objectContaining({ amount: 2000, refunded: 500 })]);

    const tooMuch = await refund(order.id, { amount: 1501, reason: 'all of it' });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.body.error).toMatchObject({ code: 'REFUND_EXCEEDS_REFUNDABLE', details: { refundable: 1500, requested: 1501 } });
    const rest = await refund(order.id, { amount: 1500, reason: 'order returned', paymentId: first.body.paymentId });
    expect(rest.statusCode).toBe(201);
    view = await detail(order.id);
    expect(view).toMatchObject({ status: 'paid', paymentStatus: 'refunded', amountPaid: 0, amountRefunded: 2000 });
    expect(view.statusHistory.map((s: { status: string }) => s.status)).toEqual(['pending', 'paid']);
    expect(view.refunds.map((r: { amount: number }) => r.amount)).toEqual([500, 1500]);
    expect((await refund(order.id, { amount: 1, reason: 'more' })).statusCode).toBe(409);

    expect((await processEvents()).filter((type) => type === 'order.refunded')).toHaveLength(2);
    const emails = await refundEmails(ann.email);
    expect(emails.map((e) => e.subject).sort()).toEqual([`Refund of $15.00 for order ${order.id}`, `Refund of $5.00 for order ${order.id}`]);
    expect(emails.find((e) => e.subject.includes('$5.00'))!.body.text).toContain('damaged mug');
  });

  it('refusals: 400 without an Idempotency-Key or with a bad body, 403 customers, 404 unknown order or payment, 409 nothing paid', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const missingKey = await refund(order.id, { amount: 100, reason: 'x' }, null);
    expect(missingKey.statusCode).toBe(400);
    expect(missingKey.body.error.details).toMatchObject({ header: 'idempotency-key' });
    for (const body of [{ amount: 0, reason: 'x' }, { amount: 1.5, reason: 'x' }, { amount: 100 }, { amount: 100, reason: '' }, { amount: 100, reason: 'x', currency: 'eur' }]) {
      expect((await refund(order.id, body)).body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await refund(order.id, { amount: 100, reason: 'x' }, undefined, ann.token)).statusCode).toBe(403);
    expect((await refund('no-such-order', { amount: 100, reason: 'x' })).statusCode).toBe(404);
    const nothing = await refund(order.id, { amount: 100, reason: 'x' });
    expect(nothing.statusCode).toBe(409);
    expect(nothing.body.error).toMatchObject({ code: 'REFUND_EXCEEDS_REFUNDABLE', details: { refundable: 0 } });
    await payCash(order.id);
    expect((await refund(order.id, { amount: 100, reason: 'x', paymentId: 'not-a-payment' })).statusCode).toBe(404);
    expect((await m.findOrder(order.id))!).toMatchObject({ paymentStatus: 'completed', amountRefunded: 0 });
  });
});

describe('card payments through the fake Stripe API', () => {
  it('Stripe Refunds API with idempotency key refund-<id>; charge.refunded for it is not counted twice; a dashboard refund on top is', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    const before = fake.requests.length;
    const response = await refund(order.id, { amount: 700, reason: 'late delivery' });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ paymentId: pi, amount: 700, status: 'succeeded', provider: 'stripe' });
    const calls = fake.requests.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe('/v1/refunds');
    expect(calls[0]!.headers['idempotency-key']).toBe(`refund-${response.body.id}`);
    expect(Object.fromEntries(calls[0]!.form)).toMatchObject({ payment_intent: pi, amount: '700', 'metadata[orderId]': order.id, 'metadata[refundId]': response.body.id });
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 1300, amountRefunded: 700 });

    // Stripe reports the refund issued here (cumulative 700), twice: nothing changes.
    const charge = `ch_${pi}`;
    for (let i = 0; i < 2; i += 1) expect((await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: charge, paymentIntentId: pi, refunded: 700 })))).statusCode).toBe(200);
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 1300, amountRefunded: 700 });
    expect((await paymentItem(order.id, pi)).refunded).toBe(700);

    // A 300 refund made in the Stripe dashboard: cumulative 1000.
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: charge, paymentIntentId: pi, refunded: 1000 })));
    const view = await detail(order.id);
    expect(view).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 1000, amountRefunded: 1000 });
    expect(view.refunds).toEqual([
      expect.objectContaining({ id: response.body.id, amount: 700, provider: 'stripe', reason: 'late delivery' }),
      expect.objectContaining({ id: `stripe:${charge}`, paymentId: pi, amount: 300, provider: 'stripe', reason: null, status: 'succeeded' }),
    ]);
    // Only 1000 is left: the fake Stripe and the ledger agree.
    const tooMuch = await refund(order.id, { amount: 1001, reason: 'x' });
    expect(tooMuch.body.error).toMatchObject({ code: 'REFUND_EXCEEDS_REFUNDABLE', details: { refundable: 1000 } });
  });

  it('a charge.refunded that arrives before the refund issued here finishes still counts once (Stripe’s figure and ours are one)', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    // Stripe already reports 400 refunded (its webhook won the race against our completion).
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 400 })));
    expect(await m.findOrder(order.id)).toMatchObject({ amountRefunded: 400 });
    expect((await refund(order.id, { amount: 400, reason: 'issued here' })).statusCode).toBe(201);
    expect(await m.findOrder(order.id)).toMatchObject({ amountRefunded: 400, amountPaid: 1600 });
    expect((await paymentItem(order.id, pi)).refunded).toBe(400);
  });

  it('Stripe refusing → 409 REFUND_FAILED, nothing refunded; Stripe down → 502, held pending, the same request later completes it with one Stripe refund', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    fake.charge(pi, 100); // Stripe will find only 100 refundable on the charge
    const refused = await refund(order.id, { amount: 500, reason: 'x' });
    expect(refused.statusCode).toBe(409);
    expect(refused.body.error.code).toBe('REFUND_FAILED');
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'completed', amountRefunded: 0 });
    expect((await detail(order.id)).refunds).toEqual([expect.objectContaining({ status: 'failed', failure: expect.stringContaining('greater than unrefunded'), amount: 500 })]);
    fake.charge(pi, 2000);

    const key = `rk-${randomUUID()}`;
    const down = await refundDuringOutage(order.id, key);
    expect(down.body.error).toMatchObject({ code: 'PAYMENT_PROVIDER_ERROR', details: { status: 'pending' } });
    // Held back while pending: 2000 − 600 left.
    expect((await refund(order.id, { amount: 1401, reason: 'x' })).body.error).toMatchObject({ code: 'REFUND_EXCEEDS_REFUNDABLE', details: { refundable: 1400 } });
    const resumed = await refund(order.id, { amount: 600, reason: 'outage' }, key);
    expect(resumed.statusCode).toBe(201);
    expect(resumed.body).toMatchObject({ status: 'succeeded', amount: 600 });
    expect(fake.refunds.filter((r) => r.paymentIntentId === pi)).toHaveLength(1);
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'partially_refunded', amountRefunded: 600 });
  });

  it('an order marked refund_required (Stripe money after the cancel) is refunded this way; its status stays cancelled', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    expect((await invoke(h.cancel, apiEvent(routes.cancelOrder, { token: ann.token, path: { id: order.id } }))).statusCode).toBe(200);
    const pi = await payByCard(order.id);
    expect((await detail(order.id)).payments).toEqual([expect.objectContaining({ status: 'refund_required' })]);
    const response = await refund(order.id, { amount: 2000, reason: 'order was cancelled' });
    expect(response.statusCode, JSON.stringify(response.body)).toBe(201);
    expect(fake.refunds.filter((r) => r.paymentIntentId === pi).map((r) => r.amount)).toEqual([2000]);
    expect(await m.findOrder(order.id)).toMatchObject({ status: 'cancelled', paymentStatus: 'refunded', amountPaid: 0, amountRefunded: 2000 });
  });
});

describe('parallel refunds never refund more than was paid', () => {
  it('40 parallel card refunds of 100 on a payment of 2000: exactly 20 × 201 and 20 × 409; 20 Stripe refunds; refunded', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    await processEvents();
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => refund(order.id, { amount: 100, reason: `line ${i}` })));
    expect(codes(responses)).toEqual({ 201: 20, 409: 20 });
    for (const refused of responses.filter((r) => r.statusCode === 409)) expect(refused.body.error.code).toBe('REFUND_EXCEEDS_REFUNDABLE');
    const atStripe = fake.refunds.filter((r) => r.paymentIntentId === pi);
    expect(atStripe).toHaveLength(20);
    expect(atStripe.reduce((sum, r) => sum + r.amount, 0)).toBe(2000);
    expect(await m.findOrder(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'refunded', amountPaid: 0, amountRefunded: 2000 });
    expect((await paymentItem(order.id, pi)).refunded).toBe(2000);
    expect((await processEvents()).filter((type) => type === 'order.refunded')).toHaveLength(20);
    expect(await refundEmails(ann.email)).toHaveLength(20);
  });

  it('40 parallel offline refunds of 75 on 2000: exactly 26 × 201, 14 × 409, 50 left', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    await payCash(order.id);
    const responses = await Promise.all(Array.from({ length: 40 }, () => refund(order.id, { amount: 75, reason: 'goodwill' })));
    expect(codes(responses)).toEqual({ 201: 26, 409: 14 });
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 50, amountRefunded: 1950 });
  });

  it('40 parallel repeats of one request (one Idempotency-Key) while Stripe takes 500 ms: one refund, one Stripe refund, one email, no 409 from Stripe reaching anyone', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    await processEvents();
    const key = `rk-${randomUUID()}`;
    // Stripe answers a second call with the same key while the first is in flight with a 409: the
    // repeats wait for the first request instead of calling Stripe themselves.
    fake.delayRefunds(500);
    let responses: ParsedResponse[];
    try {
      responses = await Promise.all(Array.from({ length: 40 }, () => refund(order.id, { amount: 250, reason: 'once' }, key)));
    } finally {
      fake.delayRefunds(0);
    }
    expect(codes(responses)).toEqual({ 201: 40 });
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(fake.refunds.filter((r) => r.paymentIntentId === pi)).toHaveLength(1);
    expect(await m.findOrder(order.id)).toMatchObject({ amountRefunded: 250 });
    expect((await processEvents()).filter((type) => type === 'order.refunded')).toHaveLength(1);
    expect(await refundEmails(ann.email)).toHaveLength(1);
  });
});

describe('refunds Stripe fails later (refund.failed, refund.updated, charge.refund.updated)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const stripeRefundOf = (refundId: string) => fake.refunds.find((r) => r.metadata.refundId === refundId)!.id;
  const adminEmails = async (orderId: string) =>
    (await emailsTo(process.env.SES_STORE_URL!, process.env.ADMIN_EMAIL!)).filter((e) => e.subject.startsWith('Refund failed') && e.subject.includes(orderId));

  it('a succeeded card refund fails: the order is paid in full again, the refund shows failed, its amount is refundable again; one admin email for four deliveries, the customer hears nothing more', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    await processEventsOneByOne();
    const issued = await refund(order.id, { amount: 700, reason: 'late delivery' });
    expect(issued.statusCode).toBe(201);
    expect(issued.body.status).toBe('succeeded');
    await processEventsOneByOne(); // the customer is told of the refund
    const re = stripeRefundOf(issued.body.id);
    const t = now();
    // Stripe's charge.refunded for it first (made when the refund was: it counts the 700).
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 700 }), undefined, t));
    expect(await m.findOrder(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'partially_refunded', amountPaid: 1300, amountRefunded: 700 });

    const failed = stripeEvent('refund.failed', stripeRefund({ id: re, paymentIntentId: pi, amount: 700, created: t, metadata: { orderId: order.id, refundId: issued.body.id } }), undefined, t + 1);
    for (let i = 0; i < 2; i += 1) expect((await send(failed)).statusCode).toBe(200); // delivered twice
    // The same failure in Stripe's other two events (no order id in the metadata: found through the payment intent).
    for (const type of ['charge.refund.updated', 'refund.updated']) {
      expect((await send(stripeEvent(type, stripeRefund({ id: re, paymentIntentId: pi, amount: 700, created: t }), undefined, t + 1))).statusCode).toBe(200);
    }
    expect(await m.findOrder(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: 2000, amountRefunded: 0, amountDue: 0 });
    expect((await paymentItem(order.id, pi)).refunded).toBe(0);
    const view = await detail(order.id);
    expect(view.refunds).toEqual([expect.objectContaining({ id: issued.body.id, status: 'failed', failure: 'expired_or_canceled_card', amount: 700 })]);
    expect(view.payments).toEqual([expect.objectContaining({ refunded: 0 })]);
    const record = (await db.send(new GetCommand({ TableName: tableName, Key: { pk: `ORDER#${order.id}`, sk: `REFUND#${issued.body.id}` }, ConsistentRead: true }))).Item!;
    expect(record).toMatchObject({ status: 'failed', failure: 'expired_or_canceled_card', stripeRefundId: re });

    // Refundable again: all 2000 (a replay of the first request answers its failure).
    expect((await refund(order.id, { amount: 2001, reason: 'x' })).body.error).toMatchObject({ code: 'REFUND_EXCEEDS_REFUNDABLE', details: { refundable: 2000 } });
    const again = await refund(order.id, { amount: 700, reason: 'late delivery, again' });
    expect(again.statusCode).toBe(201);
    // Stripe's next charge.refunded still counts the failed 700 (1400): the 700 counts once.
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 1400 }), undefined, t + 2));
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 1300, amountRefunded: 700 });
    expect((await paymentItem(order.id, pi)).refunded).toBe(700);

    const types = await processEventsOneByOne();
    expect(types.filter((type) => type === 'refund.failed').length).toBeGreaterThanOrEqual(1);
    const emails = await adminEmails(order.id);
    expect(emails.map((e) => e.subject)).toEqual([`Refund failed: $7.00 for order ${order.id}`]);
    expect(emails[0]!.body.text).toContain('expired or canceled card');
    expect(emails[0]!.body.text).toContain(issued.body.id);
    // The customer: one refund email per refund that went out, nothing about the failure.
    expect((await refundEmails(ann.email)).map((e) => e.subject)).toEqual([`Refund of $7.00 for order ${order.id}`, `Refund of $7.00 for order ${order.id}`]);
    expect((await emailsTo(process.env.SES_STORE_URL!, ann.email)).filter((e) => /fail/i.test(e.subject))).toEqual([]);
  });

  it('the failure before charge.refunded (late, older), Stripe lowering amount_refunded afterwards, a dashboard refund failing: each counted right', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    const first = await refund(order.id, { amount: 500, reason: 'one' });
    const second = await refund(order.id, { amount: 300, reason: 'two' });
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    const t = now();
    const failedFirst = stripeRefund({ id: stripeRefundOf(first.body.id), paymentIntentId: pi, amount: 500, created: t, metadata: { orderId: order.id, refundId: first.body.id }, failureReason: 'lost_or_stolen_card' });
    expect((await send(stripeEvent('refund.failed', failedFirst, undefined, t + 5))).statusCode).toBe(200);
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 1700, amountRefunded: 300 });
    // charge.refunded made before the failure (800: both refunds) arrives late: the failed 500 is not counted.
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 800 }), undefined, t));
    expect(await m.findOrder(order.id)).toMatchObject({ amountPaid: 1700, amountRefunded: 300 });
    // A later report where Stripe has lowered its figure (300): the same.
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 300 }), undefined, t + 6));
    expect(await m.findOrder(order.id)).toMatchObject({ amountPaid: 1700, amountRefunded: 300 });
    expect((await paymentItem(order.id, pi)).refunded).toBe(300);

    // A 400 refund made in the Stripe dashboard (cumulative 700), which then fails too.
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${pi}`, paymentIntentId: pi, refunded: 700 }), undefined, t + 7));
    expect(await m.findOrder(order.id)).toMatchObject({ amountRefunded: 700 });
    expect((await detail(order.id)).refunds).toEqual([
      expect.objectContaining({ id: first.body.id, status: 'failed' }),
      expect.objectContaining({ id: second.body.id, status: 'succeeded' }),
      expect.objectContaining({ id: `stripe:ch_${pi}`, amount: 400 }),
    ]);
    const dashboard = stripeRefund({ id: 're_dashboard_' + randomUUID().slice(0, 8), paymentIntentId: pi, amount: 400, created: t + 7 });
    expect((await send(stripeEvent('charge.refund.updated', dashboard, undefined, t + 9))).statusCode).toBe(200);
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'partially_refunded', amountPaid: 1700, amountRefunded: 300 });
    expect((await detail(order.id)).refunds.map((r: { id: string }) => r.id)).toEqual([first.body.id, second.body.id]);
    await processEventsOneByOne();
    expect((await adminEmails(order.id)).map((e) => e.subject).sort()).toEqual([`Refund failed: $4.00 for order ${order.id}`, `Refund failed: $5.00 for order ${order.id}`]);
  });

  it('Stripe fails the refund before its "we refunded you" email went out: the customer gets none, the admins one', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    await processEventsOneByOne();
    const issued = await refund(order.id, { amount: 2000, reason: 'all of it' });
    expect(issued.statusCode).toBe(201);
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'refunded', amountPaid: 0 });
    const failed = stripeRefund({ id: stripeRefundOf(issued.body.id), paymentIntentId: pi, amount: 2000, created: now(), status: 'canceled', metadata: { orderId: order.id, refundId: issued.body.id } });
    expect((await send(stripeEvent('refund.updated', failed))).statusCode).toBe(200);
    expect(await m.findOrder(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: 2000, amountRefunded: 0 });
    expect((await processEventsOneByOne()).sort()).toEqual(['order.refunded', 'refund.failed']);
    expect(await refundEmails(ann.email)).toEqual([]);
    const emails = await adminEmails(order.id);
    expect(emails.map((e) => e.subject)).toEqual([`Refund failed: $20.00 for order ${order.id}`]);
    expect(emails[0]!.body.text).toContain('(canceled)');
  });

  it('a refund left pending by a Stripe outage that Stripe then fails: failed, nothing counted, the repeated request answers 409 REFUND_FAILED', async () => {
    const ann = await newCustomer();
    const order = await newOrder(ann);
    const pi = await payByCard(order.id);
    const key = `rk-${randomUUID()}`;
    const down = await refundDuringOutage(order.id, key);
    const refundId = down.body.error.details.refundId as string;
    const t = now();
    await send(stripeEvent('refund.failed', stripeRefund({ id: `re_pending_${randomUUID().slice(0, 8)}`, paymentIntentId: pi, amount: 600, created: t, metadata: { orderId: order.id, refundId } })));
    expect((await detail(order.id)).refunds).toEqual([expect.objectContaining({ id: refundId, status: 'failed' })]);
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'completed', amountRefunded: 0 });
    const repeated = await refund(order.id, { amount: 600, reason: 'outage' }, key);
    expect(repeated.statusCode).toBe(409);
    expect(repeated.body.error.code).toBe('REFUND_FAILED');
    // A refund.updated that is no failure changes nothing.
    expect((await send(stripeEvent('refund.updated', stripeRefund({ id: 're_fine', paymentIntentId: pi, amount: 100, created: t, status: 'succeeded' })))).statusCode).toBe(200);
    expect(await m.findOrder(order.id)).toMatchObject({ paymentStatus: 'completed', amountRefunded: 0 });
  });
});
