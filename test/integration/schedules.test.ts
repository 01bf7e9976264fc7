/**
 * The schedule jobs against DynamoDB Local, fauxqs and SES local: races between runs, and
 * between a run and a customer, decided by the real conditional writes.
 *
 * The jobs read whole index partitions (every expired hold, every pending order, the whole
 * catalogue), so this file gets a table of its own (created here; TABLE_NAME is set before
 * any module that reads it is imported): runs here never touch other files' data, and theirs
 * never show up here. Events go to a queue of this file's own, and admin emails to an
 * ADMIN_EMAIL of its own. The clock is moved with fake timers (Date only).
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { createTestQueue } from '../support/test-queue.js';
import type { ScheduledEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { toSqsRecord } from '../../infra/local/queue-poller.js';
import type { ReleaseResult } from '../../shared/schedules/release-expired-holds.js';
import type { RollbackResult } from '../../shared/schedules/rollback-stale-orders.js';
import type { RemindersResult } from '../../shared/schedules/send-reminders.js';
import type { LowStockResult } from '../../shared/schedules/low-stock-alerts.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';
import { emailsTo } from '../support/mail-store.js';
import { statusPartition } from '../../shared/orders/order-keys.js';

const tag = `sch${randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' };
const MINUTE = 60_000;
let drainQueue: () => Promise<Message[]>;
let adminEmail: string;

type Modules = {
  releaseHandler: typeof import('../../functions/schedules/release-expired-holds.js').handler;
  rollbackHandler: typeof import('../../functions/schedules/rollback-stale-orders.js').handler;
  remindersHandler: typeof import('../../functions/schedules/send-reminders.js').handler;
  lowStockHandler: typeof import('../../functions/schedules/low-stock-alerts.js').handler;
  processHandler: typeof import('../../functions/events/process-order-events.js').handler;
  getCart: typeof import('../../functions/cart/get.js').handler;
  placeOrderHandler: typeof import('../../functions/orders/place.js').handler;
  routes: typeof import('../../infra/routes.js').routes;
  releaseExpiredHolds: typeof import('../../shared/schedules/release-expired-holds.js').releaseExpiredHolds;
  products: typeof import('../../shared/products/product-repository.js');
  carts: typeof import('../../shared/carts/cart-repository.js');
  orders: typeof import('../../shared/orders/order-repository.js');
  publishEvent: typeof import('../../shared/events/publish.js').publishEvent;
  createUser: typeof import('../../shared/users/user-repository.js').createUser;
  startSession: typeof import('../../shared/auth/sessions.js').startSession;
  db: typeof import('../../shared/clients/dynamodb.js').db;
  tableName: string;
};
let m: Modules;

/** DynamoDB commands sent by anything in this file (to prove no Scan). */
const commandsSent: string[] = [];
/**
 * One-shot hooks run right after a matching command returns: "meanwhile" made deterministic.
 * Commands are seen under their low-level names (GetItemCommand, ...) with document inputs.
 */
const hooks: { match: (command: string, input: Record<string, unknown>) => boolean; run: () => Promise<unknown> }[] = [];
/** What every run reported, printed at the end (the README's measured numbers). */
const measured: { job: string; ms: number; result: unknown }[] = [];

/** Restored after this file: a worker may run another test file next in the same process. */
const savedEnv = { TABLE_NAME: process.env.TABLE_NAME, ADMIN_EMAIL: process.env.ADMIN_EMAIL, ORDER_EVENTS_QUEUE_URL: process.env.ORDER_EVENTS_QUEUE_URL };

beforeAll(async () => {
  process.env.TABLE_NAME = `schedules-it-${randomUUID().slice(0, 8)}`;
  adminEmail = `ops-${tag}@example.com`;
  process.env.ADMIN_EMAIL = adminEmail;
  const queue = await createTestQueue('schedules-it');
  drainQueue = queue.drain;
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  const { provisionTable } = await import('../../infra/local/provision.js');
  await provisionTable(process.env.TABLE_NAME);

  const dynamo = await import('../../shared/clients/dynamodb.js');
  m = {
    releaseHandler: (await import('../../functions/schedules/release-expired-holds.js')).handler,
    rollbackHandler: (await import('../../functions/schedules/rollback-stale-orders.js')).handler,
    remindersHandler: (await import('../../functions/schedules/send-reminders.js')).handler,
    lowStockHandler: (await import('../../functions/schedules/low-stock-alerts.js')).handler,
    processHandler: (await import('../../functions/events/process-order-events.js')).handler,
    getCart: (await import('../../functions/cart/get.js')).handler,
    placeOrderHandler: (await import('../../functions/orders/place.js')).handler,
    routes: (await import('../../infra/routes.js')).routes,
    releaseExpiredHolds: (await import('../../shared/schedules/release-expired-holds.js')).releaseExpiredHolds,
    products: await import('../../shared/products/product-repository.js'),
    carts: await import('../../shared/carts/cart-repository.js'),
    orders: await import('../../shared/orders/order-repository.js'),
    publishEvent: (await import('../../shared/events/publish.js')).publishEvent,
    createUser: (await import('../../shared/users/user-repository.js')).createUser,
    startSession: (await import('../../shared/auth/sessions.js')).startSession,
    db: dynamo.db,
    tableName: dynamo.tableName,
  };
  expect(m.tableName).toBe(process.env.TABLE_NAME);
  m.db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      commandsSent.push(command);
      const output = await next(args);
      const index = hooks.findIndex((hook) => hook.match(command, args.input as Record<string, unknown>));
      if (index >= 0) await hooks.splice(index, 1)[0]!.run();
      return output;
    },
    { step: 'initialize', name: 'scheduleTestHooks' },
  );
});

afterEach(() => {
  vi.useRealTimers();
  hooks.length = 0;
});

afterAll(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  console.log(`[schedules] runs measured:\n${measured.map((r) => `  ${r.job} ${r.ms} ms ${JSON.stringify(r.result)}`).join('\n')}`);
});

// ---- helpers -------------------------------------------------------------------------------

const scheduled = (job: string) => ({ id: `${job}-${randomUUID()}`, time: new Date().toISOString() }) as ScheduledEvent;
async function timed<T>(job: string, run: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  const result = await run();
  measured.push({ job, ms: Math.round(performance.now() - startedAt), result });
  return result;
}
const release = () => timed('releaseExpiredHolds', () => m.releaseHandler(scheduled('release')) as Promise<ReleaseResult>);
const rollback = () => timed('rollbackStaleOrders', () => m.rollbackHandler(scheduled('rollback')) as Promise<RollbackResult>);
const remind = () => timed('sendReminders', () => m.remindersHandler(scheduled('reminders')) as Promise<RemindersResult>);
const lowStock = () => timed('lowStockAlerts', () => m.lowStockHandler(scheduled('lowstock')) as Promise<LowStockResult>);
const sum = <T>(results: T[], count: (r: T) => number) => results.reduce((total, r) => total + count(r), 0);

/** Moves the (Date-only) clock to `at`. */
function clockAt(at: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
}

let productCount = 0;
const product = (stock: number, lowStockThreshold = 0) =>
  m.products.createProduct({ name: `${tag} product ${++productCount}`, description: '', price: 1250, currency: 'usd', stock, lowStockThreshold });
const stockOf = async (productId: string) => (await m.products.findProduct(productId))!.stock;
const customer = (label = 'c') => m.createUser({ email: `${label}-${randomUUID().slice(0, 8)}@example.com`, name: `Customer ${label}`, passwordHash: 'x', role: 'customer' });
const order = (userId: string, productId: string, quantity: number) =>
  m.orders.placeOrder({ userId, input: { shippingAddress: address, items: [{ productId, quantity }] } }).then((r) => r.order);
const statusOf = async (orderId: string) => (await m.orders.findOrder(orderId))!;

const eventsOf = (messages: Message[]) => messages.map((message) => ({ message, event: JSON.parse(message.Body!) as { type: string; id: string; data: Record<string, unknown> } }));
const records = (messages: Message[]): SQSRecord[] => messages.map((message) => toSqsRecord(message, 'arn:aws:sqs:us-east-1:0:schedules-it'));

/** Delivers the messages to the processor twice in a row and twice at once, as SQS may. */
async function deliverRepeatedly(messages: Message[]) {
  const batch = { Records: records(messages) };
  expect((await m.processHandler(batch)).batchItemFailures).toEqual([]);
  await m.processHandler(batch);
  await Promise.all([m.processHandler(batch), m.processHandler(batch)]);
  // A copy that met a live claim of its twin is retried by SQS; that retry finds it done.
  expect((await m.processHandler(batch)).batchItemFailures).toEqual([]);
}

// ---- releaseExpiredHolds -------------------------------------------------------------------

describe('releaseExpiredHolds', () => {
  it('20 expired holds, 3 runs at once: each released once, the stock back exactly once', async () => {
    const t0 = Date.now();
    const p = await product(30);
    const users = await Promise.all(Array.from({ length: 20 }, () => customer('hold')));
    await Promise.all(users.map((user) => m.carts.setCartLine(user.id, p.id, 1)));
    expect(await stockOf(p.id)).toBe(10);

    clockAt(t0 + 16 * MINUTE);
    const runs = await Promise.all([release(), release(), release()]);

    expect(sum(runs, (r) => r.released)).toBe(20);
    expect(sum(runs, (r) => r.failed)).toBe(0);
    expect(await stockOf(p.id)).toBe(30);
    for (const user of users) expect(await m.carts.cartHolds(user.id)).toEqual([]);
    // A fourth run finds nothing left.
    expect(await release()).toMatchObject({ examined: 0, released: 0 });
  });

  it('a hold renewed just before the run is not released', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('renew');
    await m.carts.setCartLine(user.id, p.id, 2);
    clockAt(t0 + 14 * MINUTE);
    await m.carts.setCartLine(user.id, p.id, 2); // renewed: expires at t0 + 29 min
    clockAt(t0 + 16 * MINUTE);

    await release();

    expect(await m.carts.cartHolds(user.id)).toEqual([expect.objectContaining({ quantity: 2, expiresAt: t0 + 29 * MINUTE })]);
    expect(await stockOf(p.id)).toBe(8);
  });

  it('a hold renewed after the run read the index, or after it read the hold, is not released (the transaction condition)', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const [early, late] = await Promise.all([customer('renew-early'), customer('renew-late')]);
    await m.carts.setCartLine(early.id, p.id, 1);
    await m.carts.setCartLine(late.id, p.id, 1);
    clockAt(t0 + 16 * MINUTE);
    // `early` is renewed between the index Query and the release; `late` between the
    // release's consistent read of the hold and its transaction.
    hooks.push({
      match: (command, input) => command === 'QueryCommand' && String((input.ExpressionAttributeValues as Record<string, unknown>)?.[':partition']).startsWith('HOLDEXP#'),
      run: () => m.carts.setCartLine(early.id, p.id, 1),
    });
    hooks.push({
      match: (command, input) => command === 'GetItemCommand' && (input.Key as { pk: string }).pk === `CART#${late.id}`,
      run: () => m.carts.setCartLine(late.id, p.id, 1),
    });

    const result = await release();

    expect(hooks).toEqual([]); // both interleavings happened
    expect(result.failed).toBe(0);
    for (const user of [early, late]) {
      expect(await m.carts.cartHolds(user.id)).toEqual([expect.objectContaining({ quantity: 1, expiresAt: t0 + 31 * MINUTE })]);
    }
    expect(await stockOf(p.id)).toBe(8);
  });

  it('an expired hold that still exists is not in GET /cart and cannot be checked out; then the run releases it', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('stale');
    await m.carts.setCartLine(user.id, p.id, 2);
    clockAt(t0 + 16 * MINUTE);
    const token = (await m.startSession(user)).accessToken;

    const cart = await invoke(m.getCart, apiEvent(m.routes.getCart, { token }));
    expect(cart.statusCode).toBe(200);
    expect(cart.body.items).toEqual([]);
    const placed = await invoke(m.placeOrderHandler, apiEvent(m.routes.placeOrder, { token, body: { shippingAddress: address } }));
    expect(placed.statusCode).toBe(400);
    expect(placed.body.error.message).toMatch(/empty/);
    // Still held (it owns its stock) until the schedule releases it.
    expect(await m.carts.cartHolds(user.id)).toHaveLength(1);
    expect(await stockOf(p.id)).toBe(8);

    expect((await release()).released).toBeGreaterThanOrEqual(1);
    expect(await m.carts.cartHolds(user.id)).toEqual([]);
    expect(await stockOf(p.id)).toBe(10);
  });

  it('is bounded per run; the next runs work off the backlog', async () => {
    const t0 = Date.now();
    const p = await product(300);
    const users = await Promise.all(Array.from({ length: 200 }, () => customer('bulk')));
    for (let i = 0; i < users.length; i += 25) await Promise.all(users.slice(i, i + 25).map((user) => m.carts.setCartLine(user.id, p.id, 1)));
    clockAt(t0 + 16 * MINUTE);

    const bounded = await timed('releaseExpiredHolds(maxHolds 40)', () => m.releaseExpiredHolds({ maxHolds: 40 }));
    expect(bounded.released).toBeLessThanOrEqual(40);
    expect(bounded.released).toBeGreaterThan(0);
    expect(bounded.more).toBe(true);
    const full = await release();
    expect(bounded.released + full.released).toBe(200);
    expect(full.more).toBe(false);
    expect(await stockOf(p.id)).toBe(300);
  });
});

// ---- rollbackStaleOrders -------------------------------------------------------------------

describe('rollbackStaleOrders', () => {
  it('a pending order older than 15 min → pending_stock_rolledback, stock back once under two concurrent runs; a younger one stays', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('stale-order');
    const old = await order(user.id, p.id, 4);
    clockAt(t0 + 10 * MINUTE);
    const young = await order(user.id, p.id, 1);
    expect(await stockOf(p.id)).toBe(5);
    clockAt(t0 + 16 * MINUTE);

    await drainQueue();
    const runs = await Promise.all([rollback(), rollback()]);

    expect(sum(runs, (r) => r.pending.rolledBack)).toBe(1);
    // The customer is told once: one status event for the rolled-back order.
    const told = eventsOf(await drainQueue()).filter(({ event }) => event.type === 'order.status_changed' && event.data.orderId === old.id);
    expect(told.map(({ event }) => event.data)).toEqual([expect.objectContaining({ from: 'pending', to: 'pending_stock_rolledback', userId: user.id })]);
    expect(sum(runs, (r) => r.pending.failed + r.failed.failed)).toBe(0);
    const rolledBack = await statusOf(old.id);
    expect(rolledBack).toMatchObject({ status: 'pending_stock_rolledback', stockOwned: false });
    expect(rolledBack.statusHistory.filter((change) => change.status === 'pending_stock_rolledback')).toEqual([
      expect.objectContaining({ by: 'scheduler', note: 'not paid within 15 minutes' }),
    ]);
    expect((await statusOf(young.id)).status).toBe('pending');
    expect(await stockOf(p.id)).toBe(9);
  });

  it('a failed order → failed_stock_rolledback, stock back', async () => {
    const p = await product(10);
    const user = await customer('failed');
    const placed = await order(user.id, p.id, 3);
    await m.orders.changeOrderStatus({ orderId: placed.id, to: 'failed', actor: 'payment', by: 'stripe' });
    expect(await stockOf(p.id)).toBe(7);

    const runs = await Promise.all([rollback(), rollback()]);

    expect(sum(runs, (r) => r.failed.rolledBack)).toBe(1);
    expect(await statusOf(placed.id)).toMatchObject({ status: 'failed_stock_rolledback', stockOwned: false });
    expect(await stockOf(p.id)).toBe(10);
  });

  it('rollback racing customer cancels on the same orders: stock returned exactly once in total', async () => {
    const t0 = Date.now();
    const p = await product(30);
    const user = await customer('race');
    const placed = await Promise.all(Array.from({ length: 10 }, () => order(user.id, p.id, 2)));
    expect(await stockOf(p.id)).toBe(10);
    clockAt(t0 + 16 * MINUTE);

    const cancel = (orderId: string) =>
      m.orders.changeOrderStatus({ orderId, to: 'cancelled', actor: 'customer', by: user.id }).then(
        () => 'cancelled' as const,
        (error: unknown) => {
          if (error instanceof m.orders.InvalidTransitionError) return 'too late' as const;
          throw error;
        },
      );
    const [runA, runB, ...cancels] = await Promise.all([rollback(), rollback(), ...placed.map((o) => cancel(o.id))]);

    const statuses = await Promise.all(placed.map(async (o) => (await statusOf(o.id)).status));
    const cancelled = statuses.filter((s) => s === 'cancelled').length;
    const rolledBack = statuses.filter((s) => s === 'pending_stock_rolledback').length;
    expect(cancelled + rolledBack).toBe(10);
    expect(cancels.filter((c) => c === 'cancelled')).toHaveLength(cancelled);
    expect(runA.pending.rolledBack + runB.pending.rolledBack).toBe(rolledBack);
    expect(await stockOf(p.id)).toBe(30);
    console.log(`[schedules] rollback vs cancel on 10 orders: ${cancelled} cancelled, ${rolledBack} rolled back`);
  });

  it('a cancel landing between the run reading the index and writing: the cancel returns the stock, the run skips', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('cancel-between');
    const placed = await order(user.id, p.id, 3);
    clockAt(t0 + 16 * MINUTE);
    hooks.push({
      // After the run read the order's own shard of the pending list.
      match: (command, input) => command === 'QueryCommand' && (input.ExpressionAttributeValues as Record<string, unknown>)?.[':partition'] === statusPartition('pending', placed.id),
      run: () => m.orders.changeOrderStatus({ orderId: placed.id, to: 'cancelled', actor: 'customer', by: user.id }),
    });

    const result = await rollback();

    expect(hooks).toEqual([]);
    expect(result.pending).toMatchObject({ rolledBack: 0, failed: 0 });
    expect(result.pending.skipped).toBeGreaterThanOrEqual(1);
    expect(await statusOf(placed.id)).toMatchObject({ status: 'cancelled', stockOwned: false });
    expect(await stockOf(p.id)).toBe(10);
  });

  it('an order paid after the run read the index is skipped, not an error; it keeps its stock', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('paid');
    const placed = await order(user.id, p.id, 2);
    clockAt(t0 + 16 * MINUTE);
    hooks.push({
      // After the run read the order's own shard of the pending list.
      match: (command, input) => command === 'QueryCommand' && (input.ExpressionAttributeValues as Record<string, unknown>)?.[':partition'] === statusPartition('pending', placed.id),
      run: () => m.orders.changeOrderStatus({ orderId: placed.id, to: 'paid', actor: 'payment', by: 'stripe' }),
    });

    const result = await rollback();

    expect(hooks).toEqual([]);
    expect(result.pending.skipped).toBeGreaterThanOrEqual(1);
    expect(result.pending.failed).toBe(0);
    expect(await statusOf(placed.id)).toMatchObject({ status: 'paid', stockOwned: true });
    expect(await stockOf(p.id)).toBe(8);
  });
});

// ---- sendReminders -------------------------------------------------------------------------

describe('sendReminders', () => {
  it('one payment reminder email per pending order, after repeated and concurrent runs and redeliveries', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('pay');
    const orders = [await order(user.id, p.id, 1), await order(user.id, p.id, 2)];
    await drainQueue();
    clockAt(t0 + 11 * MINUTE);

    const runs = [await remind(), ...(await Promise.all([remind(), remind()])), await remind()];

    const all = eventsOf(await drainQueue());
    const mine = all.filter(({ event }) => orders.some((o) => event.data.orderId === o.id));
    expect(mine.map(({ event }) => event.id).sort()).toEqual(orders.map((o) => `payment-reminder:${o.id}`).sort());
    expect(mine.every(({ event }) => event.type === 'order.payment_reminder')).toBe(true);
    // Runs here may also remind older orders of earlier tests: what they report matches what was published, once each.
    expect(new Set(all.map(({ event }) => event.id)).size).toBe(all.length);
    expect(sum(runs, (r) => r.payment.sent)).toBe(all.filter(({ event }) => event.type === 'order.payment_reminder').length);
    expect(sum(runs, (r) => r.payment.lost + r.payment.failed)).toBe(0);
    for (const o of orders) expect(((await m.orders.findOrder(o.id)) as unknown as Record<string, unknown>).paymentReminderSentAt).toBe(new Date(t0 + 11 * MINUTE).toISOString());

    await deliverRepeatedly(mine.map(({ message }) => message));
    // Re-publishing the same reminder (same deterministic id) is deduplicated too.
    const again = await m.publishEvent('order.payment_reminder', mine[0]!.event.data as never, { id: mine[0]!.event.id });
    expect(again.id).toBe(mine[0]!.event.id);
    await deliverRepeatedly(await drainQueue());

    const emails = await emailsTo(process.env.SES_STORE_URL!, user.email);
    const reminders = emails.filter((email) => email.subject.includes('is waiting for payment'));
    expect(reminders.map((email) => email.subject).sort()).toEqual(orders.map((o) => `Your order ${o.id} is waiting for payment`).sort());
    expect(reminders[0]!.body.text).toContain(`/orders/`);
    expect(reminders[0]!.body.html).toContain('$12.50');
  });

  it('no payment reminder with less than 2 minutes of the window left, nor after it (issue 12.3): never a past deadline', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('late');
    const late = await order(user.id, p.id, 1);
    await drainQueue();
    for (const minutes of [13.5, 14.9, 16]) {
      clockAt(t0 + minutes * MINUTE);
      await remind();
      expect(eventsOf(await drainQueue()).filter(({ event }) => event.data.orderId === late.id)).toEqual([]);
    }
    expect(((await m.orders.findOrder(late.id)) as unknown as Record<string, unknown>).paymentReminderSentAt).toBeUndefined();
  });

  it('one fulfilment reminder to the customer and one to the admin per paid/processing order', async () => {
    const t0 = Date.now();
    const p = await product(10);
    const user = await customer('fulfil');
    const paid = await order(user.id, p.id, 1);
    const processing = await order(user.id, p.id, 1);
    const pending = await order(user.id, p.id, 1);
    await m.orders.changeOrderStatus({ orderId: paid.id, to: 'paid', actor: 'payment', by: 'stripe' });
    await m.orders.changeOrderStatus({ orderId: processing.id, to: 'paid', actor: 'payment', by: 'stripe' });
    await m.orders.changeOrderStatus({ orderId: processing.id, to: 'processing', actor: 'admin', by: 'admin' });
    await drainQueue();
    clockAt(t0 + 25 * 60 * MINUTE);

    const runs = [...(await Promise.all([remind(), remind()])), await remind()];

    const fulfilled = [paid, processing];
    const all = eventsOf(await drainQueue());
    const mine = all.filter(({ event }) => [...fulfilled, pending].some((o) => event.data.orderId === o.id));
    expect(mine.map(({ event }) => event.id).sort()).toEqual(
      // The pending order is 25 hours old, far past its payment window: no payment reminder (it
      // would name a deadline already past; issue 12.3), only the rollback is due.
      fulfilled.flatMap((o) => [`fulfilment-reminder:${o.id}:admin`, `fulfilment-reminder:${o.id}:customer`]).sort(),
    );
    expect(new Set(all.map(({ event }) => event.id)).size).toBe(all.length);
    expect(sum(runs, (r) => r.fulfilment.sent) * 2).toBe(all.filter(({ event }) => event.type === 'order.fulfilment_reminder').length);
    expect(sum(runs, (r) => r.fulfilment.lost + r.fulfilment.failed)).toBe(0);

    await deliverRepeatedly(mine.map(({ message }) => message));

    const toCustomer = (await emailsTo(process.env.SES_STORE_URL!, user.email)).filter((email) => email.subject.startsWith("We're preparing"));
    expect(toCustomer.map((email) => email.subject).sort()).toEqual(fulfilled.map((o) => `We're preparing your order ${o.id}`).sort());
    const toAdmin = (await emailsTo(process.env.SES_STORE_URL!, adminEmail)).filter((email) => email.subject.includes('waits for fulfilment'));
    expect(toAdmin.map((email) => email.subject).sort()).toEqual(fulfilled.map((o) => `Order ${o.id} waits for fulfilment`).sort());
    expect(toAdmin.find((email) => email.subject.includes(processing.id))!.body.text).toMatch(/\(being prepared\) waits for fulfilment since \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC/);
    expect(toAdmin[0]!.body.text).toContain(user.email);
  });
});

// ---- lowStockAlerts ------------------------------------------------------------------------

describe('lowStockAlerts', () => {
  /** Emails to the admin listing this product (a summary lists `<name>: <stock> left`). */
  const alertsFor = async (name: string) => (await emailsTo(process.env.SES_STORE_URL!, adminEmail)).filter((email) => email.subject.startsWith('Low stock:') && email.body.text!.includes(`${name}: `));
  type Summary = { productId: string; name: string; stock: number; threshold: number };

  it('falls to/below the threshold → listed once in one summary per run, even after repeated and concurrent runs; restock re-arms; the next fall alerts again', async () => {
    const p = await product(10, 5);
    const atThreshold = await product(5, 5);
    const deleted = await product(1, 5);
    await m.products.softDeleteProduct(deleted.id);
    const ids = [p.id, atThreshold.id, deleted.id];
    const summaries = (messages: Message[]) => eventsOf(messages).filter(({ event }) => event.type === 'product.low_stock_summary');
    const mineOnly = (messages: Message[]) =>
      summaries(messages).flatMap(({ event }) => (event.data.products as Summary[]).filter((entry) => ids.includes(entry.productId)).map((entry) => ({ event, entry })));
    await m.products.adjustStock({ productId: p.id, delta: -6, reason: 'sold at the fair', by: 'test' });

    const first = [...(await Promise.all([lowStock(), lowStock()])), await lowStock()];
    expect(sum(first, (r) => r.failed + r.lost)).toBe(0);
    // At most one summary per run, and each run's summary is one event.
    for (const run of first) expect(run.summaries).toBe(run.alerted > 0 ? 1 : 0);
    const messages1 = await drainQueue();
    const fall1 = mineOnly(messages1);
    expect(fall1.map(({ entry }) => [entry.productId, entry.stock, entry.threshold]).sort()).toEqual([[atThreshold.id, 5, 5], [p.id, 4, 5]].sort());
    expect(fall1[0]!.event.id).toMatch(/^low-stock:\d{4}-\d\d-\d\dT[^:]+:[^:]+:[^:]+:/);
    await deliverRepeatedly(summaries(messages1).map(({ message }) => message));
    const alerts = await alertsFor(p.name);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.body.text).toContain(`${p.name}: 4 left (threshold 5)`);

    // Restock above the threshold: re-armed, and nothing is sent.
    await m.products.adjustStock({ productId: p.id, delta: 10, reason: 'restock', by: 'test' });
    const rearm = await lowStock();
    expect(rearm.rearmed).toBe(1);
    expect(mineOnly(await drainQueue())).toEqual([]);
    // Falls again: listed again, under a new event id.
    await m.products.adjustStock({ productId: p.id, delta: -10, reason: 'sold out', by: 'test' });
    await Promise.all([lowStock(), lowStock()]);
    const messages2 = await drainQueue();
    const fall2 = mineOnly(messages2);
    expect(fall2.map(({ entry }) => [entry.productId, entry.stock])).toEqual([[p.id, 4]]);
    expect(fall2[0]!.event.id).not.toBe(fall1.find(({ entry }) => entry.productId === p.id)!.event.id);
    await deliverRepeatedly(summaries(messages2).map(({ message }) => message));

    expect(await alertsFor(p.name)).toHaveLength(2);
    expect(await alertsFor(atThreshold.name)).toHaveLength(1);
    expect(await alertsFor(deleted.name)).toHaveLength(0);
  });

  it('18 products crossing between two runs → one email listing all 18 (issue 12.5)', async () => {
    const crossing = await Promise.all(Array.from({ length: 18 }, (_, i) => product(3 + (i % 3), 5)));
    const run = await lowStock();
    expect(run.summaries).toBe(1);
    const messages = await drainQueue();
    const mine = eventsOf(messages).filter(({ event }) => event.type === 'product.low_stock_summary' && (event.data.products as Summary[]).some((e) => e.productId === crossing[0]!.id));
    expect(mine).toHaveLength(1);
    const listed = (mine[0]!.event.data.products as Summary[]).map((e) => e.productId);
    for (const item of crossing) expect(listed).toContain(item.id);
    await deliverRepeatedly(mine.map(({ message }) => message));
    const emails = (await emailsTo(process.env.SES_STORE_URL!, adminEmail)).filter((email) => email.body.text!.includes(`${crossing[0]!.name}: `));
    expect(emails).toHaveLength(1);
    for (const item of crossing) expect(emails[0]!.body.text).toContain(`${item.name}: `);
  });
});

describe('every job', () => {
  it('sent no Scan (Queries, GetItems and conditional writes only)', () => {
    expect(commandsSent.length).toBeGreaterThan(0);
    expect(commandsSent.filter((command) => command.startsWith('Scan'))).toEqual([]);
  });
});
