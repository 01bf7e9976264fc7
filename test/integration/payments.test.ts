/**
 * Payments against DynamoDB Local, fauxqs and SES local, through the real handlers: Stripe
 * webhooks signed with Stripe's own test helper (signature cases, duplicates, concurrency,
 * out-of-order and mismatched events, refunds), checkout against a fake Stripe API on
 * 127.0.0.1, admin payments (Idempotency-Key, 20 concurrent partial payments) and listings.
 * Order events go to this file's own queue and are run through the real processor.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSqsRecord } from '../../infra/local/queue-poller.js';
import { routes } from '../../infra/routes.js';
import { db, tableName } from '../../shared/clients/dynamodb.js';
import { productKey } from '../../shared/products/product-keys.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';
import { emailsTo } from '../support/mail-store.js';
import {
  checkoutSession,
  newEventId,
  paymentIntent,
  refundedCharge,
  sign,
  startFakeStripe,
  stripeEvent,
  stripeTestEnv,
  type FakeStripe,
} from '../support/stripe-fake.js';

const tag = `pay${randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
const sqs = new SQSClient({});
let queueUrl: string;
let fake: FakeStripe;

let h: {
  webhook: typeof import('../../functions/payments/stripe-webhook.js').handler;
  checkout: typeof import('../../functions/payments/checkout.js').handler;
  record: typeof import('../../functions/payments/record.js').handler;
  list: typeof import('../../functions/payments/list.js').handler;
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
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `payments-it-${randomUUID()}` }));
  queueUrl = QueueUrl!;
  process.env.ORDER_EVENTS_QUEUE_URL = queueUrl;
  h = {
    webhook: (await import('../../functions/payments/stripe-webhook.js')).handler,
    checkout: (await import('../../functions/payments/checkout.js')).handler,
    record: (await import('../../functions/payments/record.js')).handler,
    list: (await import('../../functions/payments/list.js')).handler,
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
  const adminUser = await ensureAdmin({ email: `payments-admin-${tag}@example.com`, password: 'admin-password' });
  admin = { id: adminUser.id, token: (await m.startSession(adminUser)).accessToken };
});
afterAll(async () => fake?.close());

interface Customer {
  id: string;
  email: string;
  token: string;
}
async function newCustomer(label = 'payer'): Promise<Customer> {
  const user = await m.createUser({ email: `${label}-${tag}-${randomUUID().slice(0, 8)}@example.com`, name: `${label} ${tag}`, passwordHash: 'unused', role: 'customer' });
  return { id: user.id, email: user.email, token: (await m.startSession(user)).accessToken };
}
/** A pending order of `quantity` × a product at `price`, and the product. */
async function newOrder(who: Customer, price = 1000, quantity = 2) {
  const product = await m.createProduct({ name: `Item ${tag}`, description: '', price, currency: 'usd', stock: 50, lowStockThreshold: 0 });
  const { order } = await m.placeOrder({ userId: who.id, input: { shippingAddress: address, items: [{ productId: product.id, quantity }] } });
  return { order, product };
}
const stockOf = async (productId: string) =>
  (await db.send(new GetCommand({ TableName: tableName, Key: productKey(productId), ConsistentRead: true }))).Item!.stock as number;
const orderOf = async (id: string) => (await m.findOrder(id))!;
/** Moves an order's `createdAt` back by `minutes` (past its payment window, for payment failures). */
const ageOrder = (id: string, minutes: number) =>
  db.send(new UpdateCommand({ TableName: tableName, Key: { pk: `ORDER#${id}`, sk: 'ORDER' }, UpdateExpression: 'SET createdAt = :t', ExpressionAttributeValues: { ':t': new Date(Date.now() - minutes * 60_000).toISOString() } }));

const deliver = (payload: string, headers: Record<string, string>, base64 = false) =>
  invoke(h.webhook, apiEvent(routes.stripeWebhook, { rawBody: payload, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, base64 }));
const send = (event: object) => {
  const payload = JSON.stringify(event, null, 2);
  return deliver(payload, { 'stripe-signature': sign(payload) });
};
const pay = (orderId: string, body: unknown, idempotencyKey?: string, token = admin.token) =>
  invoke(h.record, apiEvent(routes.recordPayment, { token, path: { id: orderId }, body, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) }));
const listPayments = (token: string, query: Record<string, string> = {}) => invoke(h.list, apiEvent(routes.listPayments, { token, query }));

/**
 * Runs every event on this file's queue through the processor, each delivered twice. With
 * `sameIdTwice`, one event id may be on the queue more than once (a webhook published it twice):
 * the copies in one batch are refused as in progress, which the second delivery settles.
 */
async function processEvents(options: { sameIdTwice?: boolean } = {}): Promise<string[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
    if (Messages.length === 0) break;
    messages.push(...Messages);
  }
  if (messages.length > 0) {
    const batch = { Records: messages.map((message) => toSqsRecord(message, 'arn:aws:sqs:us-east-1:0:payments-it')) };
    const first = await h.process(batch);
    if (!options.sameIdTwice) expect(first.batchItemFailures).toEqual([]);
    expect((await h.process(batch)).batchItemFailures).toEqual([]);
  }
  return messages.map((message) => (JSON.parse(message.Body!) as { type: string }).type);
}
const confirmations = async (email: string) => (await emailsTo(process.env.SES_STORE_URL!, email)).filter((e) => e.subject.includes('confirmed'));

describe('POST /webhooks/stripe: signatures (Stripe-signed test events)', () => {
  it('valid → 200 and recorded; the order is paid; one confirmation email', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    await processEvents();
    const response = await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: order.total, amountDue: order.total })));
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({ received: true });
    expect(await orderOf(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: 2000, amountDue: 0 });
    expect(await processEvents()).toEqual(['payment.completed']);
    const emails = await confirmations(ann.email);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.body.text).toContain('$20.00');
  });

  it('one byte changed, a stale timestamp, a missing header or another secret → 400 and nothing written', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    const event = stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: order.total }));
    const payload = JSON.stringify(event);
    const tampered = payload.replace(`"amount":${order.total}`, `"amount":${order.total + 1}`);
    expect(tampered).not.toBe(payload);
    const stale = Math.floor(Date.now() / 1000) - 301;
    const refused = await Promise.all([
      deliver(tampered, { 'stripe-signature': sign(payload) }),
      deliver(payload, { 'stripe-signature': sign(payload, { timestamp: stale }) }),
      deliver(payload, {}),
      deliver(payload, { 'stripe-signature': sign(payload, { secret: 'whsec_someone_else' }) }),
      deliver(payload, { 'stripe-signature': 'garbage' }),
    ]);
    for (const response of refused) {
      expect(response.statusCode).toBe(400);
      expect(response.body.error.code).toBe('BAD_REQUEST');
    }
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `STRIPE_EVENT#${event.id}`, sk: 'EVENT' } }));
    expect(Item).toBeUndefined();
    expect(await orderOf(order.id)).toMatchObject({ status: 'pending', paymentStatus: 'pending', amountPaid: 0 });
    // Within the tolerance the same payload is accepted.
    expect((await deliver(payload, { 'stripe-signature': sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 200 }) })).statusCode).toBe(200);
  });

  it('a base64 body (as API Gateway may send it) and two v1 signatures of which one is valid → 200', async () => {
    const ann = await newCustomer();
    const first = await newOrder(ann);
    const payload = JSON.stringify(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: first.order.id, amount: 2000 })));
    expect((await deliver(payload, { 'stripe-signature': sign(payload) }, true)).statusCode).toBe(200);
    expect((await orderOf(first.order.id)).status).toBe('paid');

    const second = await newOrder(ann);
    const payload2 = JSON.stringify(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: second.order.id, amount: 2000 })));
    const valid = sign(payload2);
    const forged = sign(payload2, { secret: 'whsec_rolled_old_secret' });
    const twoSignatures = `${valid},v1=${/v1=([0-9a-f]+)/.exec(forged)![1]}`;
    expect(twoSignatures.match(/v1=/g)).toHaveLength(2);
    expect((await deliver(payload2, { 'stripe-signature': twoSignatures })).statusCode).toBe(200);
    expect((await orderOf(second.order.id)).status).toBe('paid');
  });
});

describe('POST /webhooks/stripe: exactly once', () => {
  it('the same event delivered twice, concurrently and again later → one payment, one paid transition, one email', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    await processEvents();
    const event = stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: order.total, amountDue: order.total }));
    const responses = await Promise.all(Array.from({ length: 6 }, () => send(event)));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await send(event)).statusCode).toBe(200);
    const after = await orderOf(order.id);
    expect(after).toMatchObject({ status: 'paid', amountPaid: order.total, paymentVersion: 1 });
    expect(after.statusHistory.map((s) => s.status)).toEqual(['pending', 'paid']);
    const payments = (await invoke(h.getOrder, apiEvent(routes.getOrder, { token: ann.token, path: { id: order.id } }))).body.payments;
    expect(payments).toEqual([expect.objectContaining({ amount: order.total, provider: 'stripe', method: 'card', status: 'succeeded', flags: [] })]);
    expect(await processEvents()).toEqual(['payment.completed']);
    expect(await confirmations(ann.email)).toHaveLength(1);
  });

  it('checkout.session.completed and payment_intent.succeeded of one payment intent, in either order and at once → one payment', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    const pi = `pi_${randomUUID()}`;
    const events = [
      stripeEvent('checkout.session.completed', checkoutSession({ orderId: order.id, paymentIntentId: pi, amount: order.total })),
      stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, orderId: order.id, amount: order.total, amountDue: order.total })),
    ];
    expect((await Promise.all([send(events[1]!), send(events[0]!), send(events[1]!)])).map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(await orderOf(order.id)).toMatchObject({ status: 'paid', amountPaid: order.total, paymentVersion: 1 });
    const list = await listPayments(ann.token, { orderId: order.id });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: pi, reference: pi });
  });

  it('an amount or currency that does not match is recorded as needs_review, never marks the order paid', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: 1500, amountDue: order.total })))).statusCode).toBe(200);
    expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: order.total, currency: 'eur' })))).statusCode).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: 'pending', paymentStatus: 'pending', amountPaid: 0, amountDue: order.total });
    const items = (await listPayments(admin.token, { orderId: order.id })).body.items as { status: string; flags: string[] }[];
    expect(items).toHaveLength(2);
    expect(items.every((p) => p.status === 'needs_review' && p.flags.includes('amount_mismatch'))).toBe(true);
  });

  it('a payment for a cancelled order is recorded and flagged for refund; the stock stays returned', async () => {
    const ann = await newCustomer();
    const { order, product } = await newOrder(ann);
    expect((await invoke(h.cancel, apiEvent(routes.cancelOrder, { token: ann.token, path: { id: order.id } }))).statusCode).toBe(200);
    const stock = await stockOf(product.id);
    expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: order.total })))).statusCode).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: 'cancelled', stockOwned: false, amountPaid: 0 });
    expect(await stockOf(product.id)).toBe(stock);
    const [payment] = (await listPayments(admin.token, { orderId: order.id })).body.items;
    expect(payment).toMatchObject({ status: 'refund_required', flags: ['refund_required'] });
  });

  it('payment_intent.payment_failed while the payment window is open: the order stays pending, one email with the link and deadline to pay again; paying then works', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    await processEvents();
    const pi = `pi_${randomUUID()}`;
    const failed = stripeEvent('payment_intent.payment_failed', { ...paymentIntent({ id: pi, orderId: order.id, amount: order.total }), status: 'requires_payment_method', last_payment_error: { message: 'Your card was declined.' } });
    expect((await Promise.all([send(failed), send(failed)])).map((r) => r.statusCode)).toEqual([200, 200]);
    expect((await send(failed)).statusCode).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: 'pending', paymentStatus: 'pending' });
    expect(new Set(await processEvents({ sameIdTwice: true }))).toEqual(new Set(['payment.failed']));
    const emails = (await emailsTo(process.env.SES_STORE_URL!, ann.email)).filter((e) => e.subject === `Payment for order ${order.id} did not go through`);
    expect(emails).toHaveLength(1);
    const deadline = new Date(Date.parse(order.createdAt) + 15 * 60_000);
    const hhmm = deadline.toISOString().slice(11, 16);
    expect(emails[0]!.body.text).toContain('Your card was declined.');
    expect(emails[0]!.body.text).toContain(`until ${deadline.getUTCDate()} `);
    expect(emails[0]!.body.text).toContain(`${hhmm} UTC`);
    expect(emails[0]!.body.text).toContain(`/orders/${order.id}`);
    expect(emails[0]!.body.html).toContain('Pay again');
    expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: order.total })))).statusCode).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'completed' });
  });

  it('payment_intent.payment_failed after the payment window: the order fails (once), the email has no link to pay; a success after that is flagged for refund', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    await processEvents();
    // Placed 20 minutes ago (the window is 15).
    await ageOrder(order.id, 20);
    const pi = `pi_${randomUUID()}`;
    const failed = stripeEvent('payment_intent.payment_failed', { ...paymentIntent({ id: pi, orderId: order.id, amount: order.total }), status: 'requires_payment_method', last_payment_error: { message: 'Your card was declined.' } });
    expect((await Promise.all([send(failed), send(failed)])).map((r) => r.statusCode)).toEqual([200, 200]);
    const after = await orderOf(order.id);
    expect(after.status).toBe('failed');
    expect(after.statusHistory.filter((s) => s.status === 'failed')).toHaveLength(1);
    expect(after.statusHistory.at(-1)!.note).toContain('declined');
    expect(await processEvents()).toEqual(['payment.failed']);
    const emails = (await emailsTo(process.env.SES_STORE_URL!, ann.email)).filter((e) => e.subject === `Payment for order ${order.id} did not go through`);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.body.text).toContain('will be cancelled');
    expect(emails[0]!.body.html).not.toContain('Pay again');
    expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, orderId: order.id, amount: order.total })))).statusCode).toBe(200);
    expect((await orderOf(order.id)).status).toBe('failed');
    expect((await listPayments(admin.token, { orderId: order.id })).body.items[0]).toMatchObject({ status: 'refund_required' });
  });

  it('refund before success: no illegal transition; the order ends refunded with nothing counted', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    const pi = `pi_${randomUUID()}`;
    const refund = stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${randomUUID()}`, paymentIntentId: pi, orderId: order.id, refunded: order.total }));
    expect((await send(refund)).statusCode).toBe(200);
    expect(await orderOf(order.id)).toMatchObject({ status: 'pending', paymentStatus: 'refunded', amountPaid: 0 });
    expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, orderId: order.id, amount: order.total })))).statusCode).toBe(200);
    expect((await send(refund)).statusCode).toBe(200);
    const after = await orderOf(order.id);
    expect(after).toMatchObject({ status: 'pending', paymentStatus: 'refunded', amountPaid: 0, amountDue: order.total, amountRefunded: order.total });
    expect(after.statusHistory.map((s) => s.status)).toEqual(['pending']);
  });

  it('a refund after payment (found through the payment intent): partial → partially_refunded, then full → refunded; the order stays paid', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    const pi = `pi_${randomUUID()}`;
    const charge = `ch_${randomUUID()}`;
    await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, orderId: order.id, amount: order.total })));
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: charge, paymentIntentId: pi, refunded: 500 })));
    expect(await orderOf(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'partially_refunded', amountPaid: 1500, amountDue: 500 });
    const full = stripeEvent('charge.refunded', refundedCharge({ chargeId: charge, paymentIntentId: pi, refunded: 2000 }));
    await send(full);
    // An older, smaller figure arriving late changes nothing.
    await send(stripeEvent('charge.refunded', refundedCharge({ chargeId: charge, paymentIntentId: pi, refunded: 500 })));
    expect(await orderOf(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'refunded', amountPaid: 0, amountRefunded: 2000 });
  });

  it('events for unknown orders, without metadata, or of other types: 200, recorded, nothing else', async () => {
    for (const event of [
      stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: 'no-such-order', amount: 100 })),
      stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, amount: 100 })),
      stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }, newEventId()),
    ]) {
      expect((await send(event)).statusCode).toBe(200);
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `STRIPE_EVENT#${event.id}`, sk: 'EVENT' }, ConsistentRead: true }));
      expect(Item).toMatchObject({ eventType: event.type });
    }
  });
});

describe('POST /orders/{id}/checkout against the fake Stripe API', () => {
  it('201 {checkoutUrl, sessionId} for the amount due, order id in metadata, idempotency key from order + amount; a retry gets the same session', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    await pay(order.id, { amount: 500, method: 'cash' });
    const before = fake.requests.length;
    const first = await invoke(h.checkout, apiEvent(routes.createCheckout, { token: ann.token, path: { id: order.id } }));
    expect(first.statusCode, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toEqual({ checkoutUrl: expect.stringContaining(first.body.sessionId), sessionId: expect.stringMatching(/^cs_test_/) });
    const request = fake.requests[before]!;
    expect(request.headers['idempotency-key']).toBe(`checkout-${order.id}-1500`);
    expect(request.headers.authorization).toBe('Bearer sk_test_fake');
    expect(Object.fromEntries(request.form)).toMatchObject({
      mode: 'payment',
      'line_items[0][price_data][unit_amount]': '1500',
      'line_items[0][price_data][currency]': 'usd',
      'metadata[orderId]': order.id,
      'metadata[amountDue]': '1500',
      'payment_intent_data[metadata][orderId]': order.id,
      success_url: `http://localhost:5173/orders/${order.id}?checkout=success`,
      cancel_url: `http://localhost:5173/orders/${order.id}?checkout=cancelled`,
    });
    const again = await invoke(h.checkout, apiEvent(routes.createCheckout, { token: admin.token, path: { id: order.id } }));
    expect(again.body.sessionId).toBe(first.body.sessionId);
  });

  it('404 for another customer; 409 when not pending or nothing is due; 502 when Stripe fails', async () => {
    const [ann, bob] = await Promise.all([newCustomer(), newCustomer()]);
    const { order } = await newOrder(ann);
    const checkout = (token: string, id: string) => invoke(h.checkout, apiEvent(routes.createCheckout, { token, path: { id } }));
    expect((await checkout(bob.token, order.id)).body.error.code).toBe('NOT_FOUND');
    fake.failWith(500);
    try {
      const failed = await checkout(ann.token, order.id);
      expect(failed.statusCode).toBe(502);
      expect(failed.body.error.code).toBe('PAYMENT_PROVIDER_ERROR');
    } finally {
      fake.failWith(undefined);
    }
    await pay(order.id, { amount: order.total, method: 'bank_transfer' });
    const paid = await checkout(ann.token, order.id);
    expect(paid.statusCode).toBe(409);
    expect(paid.body.error.code).toBe('CONFLICT');
  });
});

describe('POST /orders/{id}/payments (admin)', () => {
  it('20 concurrent partial payments summing to the total → completed exactly once, one paid transition, one email', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann, 1000, 2);
    await processEvents();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => pay(order.id, { amount: 100, method: 'cash', reference: `r${i}` })));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    const after = await orderOf(order.id);
    expect(after).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: 2000, amountDue: 0, overpaidBy: 0, paymentVersion: 20 });
    expect(after.statusHistory.map((s) => s.status)).toEqual(['pending', 'paid']);
    expect(await processEvents()).toEqual(['payment.completed']);
    expect(await confirmations(ann.email)).toHaveLength(1);
    const all = (await listPayments(ann.token, { orderId: order.id, limit: '100' })).body.items;
    expect(all).toHaveLength(20);
  });

  it('overpayment is allowed and flagged; Idempotency-Key: same body → same payment (replayed), other body → 422', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    const key = `k-${randomUUID()}`;
    const replays = await Promise.all([1, 2, 3, 4].map(() => pay(order.id, { amount: 1500, method: 'bank_transfer', reference: 'wire 1' }, key)));
    expect(new Set(replays.map((r) => r.body.id)).size).toBe(1);
    expect(replays.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(replays.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(3);
    expect((await orderOf(order.id)).amountPaid).toBe(1500);
    const reused = await pay(order.id, { amount: 1400, method: 'bank_transfer', reference: 'wire 1' }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const over = await pay(order.id, { amount: 1000, method: 'card' });
    expect(over.body).toMatchObject({ status: 'succeeded', flags: ['overpayment'], provider: 'manual', currency: 'usd' });
    expect(await orderOf(order.id)).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: 2500, amountDue: 0, overpaidBy: 500 });
  });

  it('a cancelled or failed order refuses an admin-recorded payment (issue 12 item 7): 409, nothing written; late Stripe money is still recorded for refund', async () => {
    const ann = await newCustomer();
    const { order } = await newOrder(ann);
    expect((await invoke(h.cancel, apiEvent(routes.cancelOrder, { token: ann.token, path: { id: order.id } }))).statusCode).toBe(200);
    const refused = await pay(order.id, { amount: order.total, method: 'cash' }, `k-${randomUUID()}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', details: { status: 'cancelled' } });
    expect(refused.body.error.message).toContain('can no longer take payments');
    expect((await listPayments(admin.token, { orderId: order.id })).body.items).toEqual([]);
    expect(await orderOf(order.id)).toMatchObject({ status: 'cancelled', paymentStatus: 'pending', amountPaid: 0 });
    expect((await orderOf(order.id)).paymentVersion).toBeUndefined();

    const failed = (await newOrder(ann)).order;
    // A failure fails the order only once its payment window is over (issue 12.2): placed 20 minutes ago.
    await ageOrder(failed.id, 20);
    await send(stripeEvent('payment_intent.payment_failed', { ...paymentIntent({ id: `pi_${randomUUID()}`, orderId: failed.id, amount: failed.total }), last_payment_error: { message: 'declined' } }));
    expect((await orderOf(failed.id)).status).toBe('failed');
    expect((await pay(failed.id, { amount: 100, method: 'bank_transfer' })).statusCode).toBe(409);

    // Stripe money arriving late for the cancelled order keeps today's handling.
    expect((await send(stripeEvent('payment_intent.succeeded', paymentIntent({ id: `pi_${randomUUID()}`, orderId: order.id, amount: order.total })))).statusCode).toBe(200);
    expect((await listPayments(admin.token, { orderId: order.id })).body.items).toEqual([expect.objectContaining({ status: 'refund_required', provider: 'stripe' })]);
  });

  it('an admin payment racing a cancel (40 pairs in parallel): either the payment counts and the cancel is refused, or the cancel wins and the payment is 409; never a payment on a cancelled order', async () => {
    // One customer per order: a customer may hold only MAX_UNPAID_ORDERS unpaid orders at once.
    const orders = await Promise.all(Array.from({ length: 40 }, async () => (await newOrder(await newCustomer(), 500, 1)).order));
    const results = await Promise.all(
      orders.map(async (order) => {
        const [payment, cancel] = await Promise.all([
          pay(order.id, { amount: 100, method: 'cash' }),
          invoke(h.cancel, apiEvent(routes.cancelOrder, { token: admin.token, path: { id: order.id } })),
        ]);
        return { order: await orderOf(order.id), payment: payment.statusCode, cancel: cancel.statusCode };
      }),
    );
    for (const { order, payment, cancel } of results) {
      expect(cancel).toBe(200);
      expect(order.status).toBe('cancelled');
      // Cancelling a partially paid order is allowed (the admin refunds it); what never happens is a
      // payment recorded after the cancel: then the payment is 409 and nothing counted.
      if (payment === 201) expect(order.amountPaid).toBe(100);
      else {
        expect(payment).toBe(409);
        expect(order.amountPaid).toBe(0);
        expect(order.paymentVersion).toBeUndefined();
      }
    }
  });

  it('404 unknown order; 403 for customers', async () => {
    const ann = await newCustomer();
    expect((await pay('no-such-order', { amount: 100, method: 'cash' })).statusCode).toBe(404);
    expect((await pay('no-such-order', { amount: 100, method: 'cash' }, undefined, ann.token)).statusCode).toBe(403);
  });
});

describe('GET /payments', () => {
  it('customers see only their own orders’ payments; admins all; orderId filter; cursor pages without gaps', async () => {
    const [ann, bob] = await Promise.all([newCustomer(), newCustomer()]);
    const orders = await Promise.all([newOrder(ann), newOrder(ann), newOrder(bob)]);
    for (const { order } of orders) for (const amount of [100, 200, 300]) await pay(order.id, { amount, method: 'other' });
    const walk = async (token: string, query: Record<string, string>) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listPayments(token, { ...query, limit: '2', ...(cursor ? { cursor } : {}) });
        expect(page.statusCode, JSON.stringify(page.body)).toBe(200);
        ids.push(...page.body.items.map((p: { orderId: string }) => p.orderId));
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      return ids;
    };
    const annsOrders = [orders[0]!.order.id, orders[1]!.order.id];
    const annSees = await walk(ann.token, {});
    expect(annSees).toHaveLength(6);
    expect(annSees.every((id) => annsOrders.includes(id))).toBe(true);
    expect(await walk(bob.token, { orderId: orders[2]!.order.id })).toHaveLength(3);
    expect((await listPayments(bob.token, { orderId: orders[0]!.order.id })).statusCode).toBe(404);
    expect(await walk(admin.token, { orderId: orders[0]!.order.id })).toHaveLength(3);
    const adminFirst = await listPayments(admin.token, { limit: '100' });
    const adminIds = adminFirst.body.items.map((p: { orderId: string }) => p.orderId);
    for (const { order } of orders) expect(adminIds.filter((id: string) => id === order.id)).toHaveLength(3);
    expect((await listPayments(ann.token, { cursor: 'tampered.cursor' })).statusCode).toBe(400);
  });
});
