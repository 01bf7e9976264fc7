/**
 * Issue 9 item 6: the partition keys a function declares (infra/routes/*.ts `TableAccess`,
 * turned into `dynamodb:LeadingKeys` conditions by bindAccess) are complete. DynamoDB Local
 * ignores IAM, so a missing pattern would only show up as AccessDenied on AWS; here every keyed
 * function's real handler runs against DynamoDB Local, typical and error paths, while a
 * middleware on the shared client records the partition key of every item each request
 * touches (test/support/dynamo-key-recorder.ts). Each touch must be allowed by the function's
 * declared access, and each declared pattern must be used by some path (no dead grants).
 * Setup writes (users, products, orders) happen outside the recorded calls.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeAccess, SEED_ADMIN_ACCESS, type Access } from '../../infra/route-types.js';
import { routes, type RouteId } from '../../infra/routes.js';
import { db, dynamoClient, tableName } from '../../shared/clients/dynamodb.js';
import { apiEvent, invoke, lambdaContext, type ParsedResponse } from '../support/api-gateway-event.js';
import { deniedTouches, recordTouches, touchesOf, unusedPatterns, type Touch } from '../support/dynamo-key-recorder.js';
import { checkoutSession, paymentIntent, refundedCharge, sign, startFakeStripe, stripeEvent, stripeTestEnv, type FakeStripe } from '../support/stripe-fake.js';
import { createTestQueue } from '../support/test-queue.js';
import { KEYED_ROUTES } from '../support/keyed-routes.js';

const recorder = recordTouches(dynamoClient);
const tag = `lp${randomUUID().slice(0, 6)}`;
const unique = (label: string) => `${label}-${tag}-${randomUUID().slice(0, 8)}@example.com`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** The keyed functions this file exercises: route ids, plus the seed function. */
const COVERED = KEYED_ROUTES;
type Covered = (typeof COVERED)[number];

let h: Record<Covered, Handler>;
let seed: (event: CloudFormationCustomResourceEvent) => Promise<unknown>;
let drainQueue: () => Promise<{ Body?: string }[]>;
let fake: FakeStripe;
let m: {
  ensureAdmin: typeof import('../../shared/users/accounts.js').ensureAdmin;
  createUser: typeof import('../../shared/users/user-repository.js').createUser;
  updateUser: typeof import('../../shared/users/user-repository.js').updateUser;
  findUserByEmail: typeof import('../../shared/users/user-repository.js').findUserByEmail;
  hashPassword: typeof import('../../shared/auth/passwords.js').hashPassword;
  startSession: typeof import('../../shared/auth/sessions.js').startSession;
  resetKey: typeof import('../../shared/auth/password-reset.js').resetKey;
  createProduct: typeof import('../../shared/products/product-repository.js').createProduct;
  placeOrder: typeof import('../../shared/orders/order-repository.js').placeOrder;
  changeOrderStatus: typeof import('../../shared/orders/order-repository.js').changeOrderStatus;
};
let admin: { id: string; token: string };
const SEED_EMAIL = unique('seed-admin');

/** Every touch recorded per function, over all its paths. */
const seen = new Map<string, { access: Access; touches: Touch[]; paths: string[] }>();

function check(fn: string, access: Access, path: string, touches: Touch[]): void {
  expect(deniedTouches(access, touches), `${fn}, ${path}: IAM would deny`).toEqual([]);
  const entry = seen.get(fn) ?? { access, touches: [], paths: [] };
  entry.touches.push(...touches);
  entry.paths.push(path);
  seen.set(fn, entry);
}

/** Invokes a route's handler as Lambda would and checks what it touched against the route's access. */
async function call(id: Covered, path: string, options: Parameters<typeof apiEvent>[1] = {}, sourceIp?: string): Promise<ParsedResponse> {
  const event = apiEvent(routes[id], options);
  if (sourceIp) event.requestContext.http.sourceIp = sourceIp;
  recorder.take(); // setup traffic is not the function's
  const response = await invoke(h[id], event);
  check(id, routeAccess(routes[id]), path, recorder.take());
  return response;
}

/** Like `call`, for a route answering text (the CSV export): status and raw body. */
async function callText(id: Covered, path: string, options: Parameters<typeof apiEvent>[1] = {}): Promise<{ statusCode: number; body: string }> {
  recorder.take();
  const result = (await h[id](apiEvent(routes[id], options), lambdaContext())) as { statusCode: number; body?: string };
  check(id, routeAccess(routes[id]), path, recorder.take());
  return { statusCode: result.statusCode, body: result.body ?? '' };
}

async function callSeed(path: string, requestType: 'Create' | 'Update' | 'Delete'): Promise<void> {
  recorder.take();
  await seed({ RequestType: requestType, ResourceProperties: {}, PhysicalResourceId: `admin-${SEED_EMAIL}` } as unknown as CloudFormationCustomResourceEvent);
  check('SeedAdminFunction', SEED_ADMIN_ACCESS, path, recorder.take());
}

beforeAll(async () => {
  const queue = await createTestQueue('least-privilege-it');
  drainQueue = queue.drain;
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  fake = await startFakeStripe();
  Object.assign(process.env, stripeTestEnv(fake.port));
  process.env.ADMIN_EMAIL = SEED_EMAIL;
  process.env.ADMIN_PASSWORD = 'seed-admin-password';
  h = {
    register: (await import('../../functions/auth/register.js')).handler,
    login: (await import('../../functions/auth/login.js')).handler,
    refresh: (await import('../../functions/auth/refresh.js')).handler,
    forgotPassword: (await import('../../functions/auth/forgot-password.js')).handler,
    resetPassword: (await import('../../functions/auth/reset-password.js')).handler,
    createContactMessage: (await import('../../functions/contact/create.js')).handler,
    stripeWebhook: (await import('../../functions/payments/stripe-webhook.js')).handler,
    listProducts: (await import('../../functions/products/list.js')).handler,
    getProduct: (await import('../../functions/products/get.js')).handler,
    logout: (await import('../../functions/auth/logout.js')).handler,
    getMe: (await import('../../functions/me/get.js')).handler,
    updateMe: (await import('../../functions/me/update.js')).handler,
    listUsers: (await import('../../functions/users/list.js')).handler,
    getUser: (await import('../../functions/users/get.js')).handler,
    updateUser: (await import('../../functions/users/update.js')).handler,
    deleteUser: (await import('../../functions/users/delete.js')).handler,
    listContactMessages: (await import('../../functions/contact/list.js')).handler,
    deleteContactMessage: (await import('../../functions/contact/delete.js')).handler,
    getCart: (await import('../../functions/cart/get.js')).handler,
    setCartLine: (await import('../../functions/cart/set-line.js')).handler,
    removeCartLine: (await import('../../functions/cart/remove-line.js')).handler,
    clearCart: (await import('../../functions/cart/clear.js')).handler,
    placeOrder: (await import('../../functions/orders/place.js')).handler,
    listOrders: (await import('../../functions/orders/list.js')).handler,
    exportOrders: (await import('../../functions/orders/export.js')).handler,
    getOrder: (await import('../../functions/orders/get.js')).handler,
    cancelOrder: (await import('../../functions/orders/cancel.js')).handler,
    changeOrderStatus: (await import('../../functions/orders/change-status.js')).handler,
    recordPayment: (await import('../../functions/payments/record.js')).handler,
    refundOrder: (await import('../../functions/payments/refund.js')).handler,
    listPayments: (await import('../../functions/payments/list.js')).handler,
    createShipment: (await import('../../functions/shipments/create.js')).handler,
    listShipments: (await import('../../functions/shipments/list.js')).handler,
    getShipment: (await import('../../functions/shipments/get.js')).handler,
    updateShipment: (await import('../../functions/shipments/update.js')).handler,
    getAnalytics: (await import('../../functions/admin/analytics.js')).handler,
    createProduct: (await import('../../functions/products/create.js')).handler,
    updateProduct: (await import('../../functions/products/update.js')).handler,
    deleteProduct: (await import('../../functions/products/delete.js')).handler,
    restoreProduct: (await import('../../functions/products/restore.js')).handler,
    adjustStock: (await import('../../functions/products/adjust-stock.js')).handler,
    listStockAdjustments: (await import('../../functions/products/list-stock-adjustments.js')).handler,
    createProductImageUpload: (await import('../../functions/products/create-image-upload.js')).handler,
  } as Record<Covered, Handler>;
  seed = (await import('../../functions/service/seed-admin.js')).handler as never;
  m = {
    ...(await import('../../shared/users/accounts.js')),
    ...(await import('../../shared/users/user-repository.js')),
    ...(await import('../../shared/auth/passwords.js')),
    ...(await import('../../shared/auth/sessions.js')),
    ...(await import('../../shared/auth/password-reset.js')),
    ...(await import('../../shared/products/product-repository.js')),
    ...(await import('../../shared/orders/order-repository.js')),
  };
  const adminUser = await m.ensureAdmin({ email: unique('admin'), password: 'admin-password' });
  admin = { id: adminUser.id, token: (await m.startSession(adminUser)).accessToken };
});
afterAll(async () => fake?.close());

/** A customer with a password, signed in (tokens from startSession: not a recorded call). */
async function customer(label: string, password = 'correct horse') {
  const user = await m.createUser({ email: unique(label), name: `${label} ${tag}`, passwordHash: await m.hashPassword(password), role: 'customer' });
  return { user, password, session: await m.startSession(user) };
}

describe('public routes', () => {
  it('register: created, email taken, invalid body', async () => {
    const email = unique('reg');
    expect((await call('register', 'created', { body: { email, password: 'correct horse', name: 'Reg' } })).statusCode).toBe(201);
    expect((await call('register', 'email taken', { body: { email, password: 'correct horse', name: 'Reg' } })).statusCode).toBe(409);
    expect((await call('register', 'invalid body', { body: { email } })).statusCode).toBe(400);
  });

  it('login: success, wrong password, unknown email, disabled account, lockout and locked', async () => {
    const { user, password } = await customer('login');
    expect((await call('login', 'success', { body: { email: user.email, password } })).statusCode).toBe(200);
    expect((await call('login', 'wrong password', { body: { email: user.email, password: 'wrong password' } })).statusCode).toBe(401);
    expect((await call('login', 'unknown email', { body: { email: unique('nobody'), password } })).statusCode).toBe(401);
    const disabled = await customer('disabled');
    await m.updateUser(disabled.user, { disabled: true });
    expect((await call('login', 'disabled account', { body: { email: disabled.user.email, password } })).statusCode).toBe(401);
    const victim = await customer('lock');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expect((await call('login', `failure ${attempt} (the 5th locks)`, { body: { email: victim.user.email, password: 'wrong password' } })).statusCode).toBe(401);
    }
    expect((await call('login', 'locked', { body: { email: victim.user.email, password } })).statusCode).toBe(429);
  });

  it('refresh: rotation, reuse (revokes the family), garbage token, ended session', async () => {
    const { user, session } = await customer('refresh');
    const rotated = await call('refresh', 'rotation', { body: { refreshToken: session.refreshToken } });
    expect(rotated.statusCode).toBe(200);
    expect((await call('refresh', 'reuse', { body: { refreshToken: session.refreshToken } })).statusCode).toBe(401);
    expect((await call('refresh', 'garbage token', { body: { refreshToken: 'not.a.token' } })).statusCode).toBe(401);
    const other = await m.startSession(user);
    const { bumpSessionVersion } = await import('../../shared/users/user-repository.js');
    await bumpSessionVersion(user.id);
    expect((await call('refresh', 'session version ended', { body: { refreshToken: other.refreshToken } })).statusCode).toBe(401);
  });

  it('forgot and reset password: known, unknown and disabled emails; valid, reused, expired and orphaned tokens', async () => {
    const { user } = await customer('forgot');
    await drainQueue();
    expect((await call('forgotPassword', 'known email', { body: { email: user.email } })).statusCode).toBe(202);
    expect((await call('forgotPassword', 'unknown email', { body: { email: unique('nobody') } })).statusCode).toBe(202);
    const disabled = await customer('forgot-disabled');
    await m.updateUser(disabled.user, { disabled: true });
    expect((await call('forgotPassword', 'disabled account', { body: { email: disabled.user.email } })).statusCode).toBe(202);

    // The processor (not a declared function: it may touch any item) issues the link.
    expect((await drainQueue()).map((msg) => JSON.parse(msg.Body!)).filter((event) => event.data?.email === user.email)).toHaveLength(1);
    const { issueResetLink } = await import('../../shared/auth/reset-links.js');
    const token = new URL((await issueResetLink(user.email))!.resetUrl).searchParams.get('token')!;
    expect((await call('resetPassword', 'valid token', { body: { token, password: 'a new password' } })).statusCode).toBe(204);
    expect((await call('resetPassword', 'reused token', { body: { token, password: 'a new password' } })).statusCode).toBe(400);

    const expired = `expired-${randomUUID()}`;
    await db.send(new PutCommand({ TableName: tableName, Item: { ...m.resetKey(expired), type: 'passwordReset', userId: user.id, expiresAt: Date.now() - 1000 } }));
    expect((await call('resetPassword', 'expired token', { body: { token: expired, password: 'a new password' } })).statusCode).toBe(400);
    const orphan = `orphan-${randomUUID()}`;
    await db.send(new PutCommand({ TableName: tableName, Item: { ...m.resetKey(orphan), type: 'passwordReset', userId: `gone-${randomUUID()}`, expiresAt: Date.now() + 60_000 } }));
    expect((await call('resetPassword', 'token of a deleted user', { body: { token: orphan, password: 'a new password' } })).statusCode).toBe(400);
  });

  it('contact: created until the per-IP limit, then 429; invalid body', async () => {
    const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    const body = { name: 'Visitor', email: unique('visitor'), message: `hello ${tag}` };
    for (let i = 1; i <= 5; i += 1) expect((await call('createContactMessage', `message ${i}`, { body }, ip)).statusCode).toBe(201);
    expect((await call('createContactMessage', 'over the limit', { body }, ip)).statusCode).toBe(429);
    expect((await call('createContactMessage', 'invalid body', { body: { name: 'x' } }, ip)).statusCode).toBe(400);
  });

  describe('Stripe webhook', () => {
    const send = (path: string, event: object) => {
      const payload = JSON.stringify(event);
      return call('stripeWebhook', path, { rawBody: payload, headers: { 'stripe-signature': sign(payload) } });
    };
    async function pendingOrder(price = 1000, quantity = 2) {
      const { user } = await customer('payer');
      const product = await m.createProduct({ name: `Item ${tag}`, description: '', price, currency: 'usd', stock: 50, lowStockThreshold: 0 });
      const { order } = await m.placeOrder({ userId: user.id, input: { shippingAddress: address, items: [{ productId: product.id, quantity }] } });
      return order;
    }
    const pi = () => `pi_${randomUUID().replace(/-/g, '')}`;

    it('payments: completing, duplicate, partial, mismatched, unpaid session, unknown order, order that can no longer be paid', async () => {
      const order = await pendingOrder();
      const paid = stripeEvent('checkout.session.completed', checkoutSession({ orderId: order.id, paymentIntentId: pi(), amount: order.total }));
      expect((await send('payment completing the order', paid)).statusCode).toBe(200);
      expect((await send('the same event again', paid)).statusCode).toBe(200);
      const again = stripeEvent('checkout.session.completed', paid.data.object);
      expect((await send('the same payment, another event', again)).statusCode).toBe(200);

      const partial = await pendingOrder();
      expect((await send('partial payment', stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi(), orderId: partial.id, amount: 500, amountDue: 500 })))).statusCode).toBe(200);
      expect((await send('currency mismatch', stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi(), orderId: partial.id, amount: 500, currency: 'eur' })))).statusCode).toBe(200);
      expect((await send('unpaid session', stripeEvent('checkout.session.completed', checkoutSession({ orderId: partial.id, paymentIntentId: pi(), amount: 100, paid: false })))).statusCode).toBe(200);
      expect((await send('unknown order', stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi(), orderId: `nope-${randomUUID()}`, amount: 100 })))).statusCode).toBe(200);
      expect((await send('no order id', stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi(), amount: 100 })))).statusCode).toBe(200);

      const cancelled = await pendingOrder();
      await m.changeOrderStatus({ orderId: cancelled.id, to: 'cancelled', actor: 'admin', by: admin.id });
      expect((await send('payment for a cancelled order', stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi(), orderId: cancelled.id, amount: cancelled.total })))).statusCode).toBe(200);
    });

    it('failures, refunds (with and without the order id), unknown event types, bad signatures', async () => {
      const order = await pendingOrder();
      const failed = stripeEvent('payment_intent.payment_failed', { ...paymentIntent({ id: pi(), orderId: order.id, amount: order.total }), last_payment_error: { message: 'declined' } });
      expect((await send('payment failed', failed)).statusCode).toBe(200);
      expect((await send('payment failed, no order id', stripeEvent('payment_intent.payment_failed', paymentIntent({ id: pi(), amount: 100 })))).statusCode).toBe(200);
      const failedAgain = await pendingOrder();
      await m.changeOrderStatus({ orderId: failedAgain.id, to: 'cancelled', actor: 'admin', by: admin.id });
      expect((await send('payment failed, order not pending', stripeEvent('payment_intent.payment_failed', paymentIntent({ id: pi(), orderId: failedAgain.id, amount: 100 })))).statusCode).toBe(200);

      const refunded = await pendingOrder();
      const intent = pi();
      await send('payment to refund', stripeEvent('payment_intent.succeeded', paymentIntent({ id: intent, orderId: refunded.id, amount: refunded.total })));
      expect((await send('refund with order id', stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${randomUUID()}`, paymentIntentId: intent, orderId: refunded.id, refunded: 300 })))).statusCode).toBe(200);
      const charge = `ch_${randomUUID()}`;
      expect((await send('refund found by payment intent', stripeEvent('charge.refunded', refundedCharge({ chargeId: charge, paymentIntentId: intent, refunded: 200 })))).statusCode).toBe(200);
      expect((await send('older, smaller refund figure', stripeEvent('charge.refunded', refundedCharge({ chargeId: charge, paymentIntentId: intent, refunded: 100 })))).statusCode).toBe(200);
      expect((await send('refund of an unknown payment intent', stripeEvent('charge.refunded', refundedCharge({ chargeId: `ch_${randomUUID()}`, paymentIntentId: pi(), refunded: 100 })))).statusCode).toBe(200);

      expect((await send('unknown event type', stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }))).statusCode).toBe(200);
      const payload = JSON.stringify(stripeEvent('customer.created', { id: 'cus_2', object: 'customer' }));
      expect((await call('stripeWebhook', 'bad signature', { rawBody: payload, headers: { 'stripe-signature': sign(payload, { secret: 'whsec_wrong' }) } })).statusCode).toBe(400);
    });
  });
});

describe('catalogue reads (anyone; a token if sent is checked)', () => {
  it('list: all products, one category, admins with deleted ones, refused includeDeleted; get: found, as admin, missing', async () => {
    const category = `cat-${tag}`;
    const product = await m.createProduct({ name: `Listed ${tag}`, description: '', price: 1500, currency: 'usd', stock: 5, lowStockThreshold: 0, category });
    const { session } = await customer('shopper');
    expect((await call('listProducts', 'everything, newest first', { query: { limit: '5' } })).statusCode).toBe(200);
    expect((await call('listProducts', 'one category, by price', { query: { category, sort: 'price' } })).statusCode).toBe(200);
    expect((await call('listProducts', 'admin with deleted ones', { token: admin.token, query: { includeDeleted: 'true', category } })).statusCode).toBe(200);
    expect((await call('listProducts', 'customer asking for deleted ones', { token: session.accessToken, query: { includeDeleted: 'true' } })).statusCode).toBe(403);
    expect((await call('getProduct', 'found', { path: { id: product.id } })).statusCode).toBe(200);
    expect((await call('getProduct', 'admin', { token: admin.token, path: { id: product.id } })).statusCode).toBe(200);
    expect((await call('getProduct', 'missing', { path: { id: `nope${randomInt(1e9)}` } })).statusCode).toBe(404);
  });
});

describe('seed function (custom resource)', () => {
  it('creates the admin, leaves an admin alone, promotes a demoted one, ignores Delete', async () => {
    await callSeed('create', 'Create');
    await callSeed('already an admin', 'Update');
    const seeded = (await m.findUserByEmail(SEED_EMAIL))!;
    await m.updateUser(seeded, { role: 'customer', disabled: true });
    await callSeed('promote a demoted account', 'Update');
    expect((await m.findUserByEmail(SEED_EMAIL))!.role).toBe('admin');
    await callSeed('delete', 'Delete');
  });
});

describe('authenticated routes with declared keys', () => {
  it('logout, profile: success and refused tokens', async () => {
    const { user, password, session } = await customer('profile');
    expect((await call('getMe', 'signed in', { token: session.accessToken })).statusCode).toBe(200);
    expect((await call('getMe', 'no token', {})).statusCode).toBe(401);
    expect((await call('updateMe', 'rename', { token: session.accessToken, body: { name: `Renamed ${tag}` } })).statusCode).toBe(200);
    const changed = await call('updateMe', 'new password', { token: session.accessToken, body: { currentPassword: password, newPassword: 'another password' } });
    expect(changed.statusCode).toBe(200);
    // A new password ends every session; this device continues with the fresh one.
    expect((await call('getMe', 'token from before the password change', { token: session.accessToken })).statusCode).toBe(401);
    const token = changed.body.accessToken as string;
    expect((await call('updateMe', 'wrong current password', { token, body: { currentPassword: 'nope', newPassword: 'another password' } })).statusCode).toBe(401);
    expect((await call('logout', 'logout', { token })).statusCode).toBe(204);
    expect((await call('logout', 'revoked token', { token })).statusCode).toBe(401);
    expect((await call('getMe', 'revoked token', { token })).statusCode).toBe(401);
    expect(user.id).toBeDefined();
  });

  it('admin user routes: every listing order, by email, search, get, update, delete and their refusals', async () => {
    const { user, session } = await customer('managed');
    for (const sort of ['createdAt', '-createdAt', 'name', 'email']) {
      expect((await call('listUsers', `sort ${sort}`, { token: admin.token, query: { sort, limit: '5' } })).statusCode).toBe(200);
    }
    expect((await call('listUsers', 'search', { token: admin.token, query: { search: tag, sort: 'email' } })).statusCode).toBe(200);
    expect((await call('listUsers', 'by email', { token: admin.token, query: { email: user.email } })).statusCode).toBe(200);
    expect((await call('listUsers', 'not an admin', { token: session.accessToken })).statusCode).toBe(403);

    expect((await call('getUser', 'found', { token: admin.token, path: { id: user.id } })).statusCode).toBe(200);
    expect((await call('getUser', 'not found', { token: admin.token, path: { id: `nope${randomInt(1e9)}` } })).statusCode).toBe(404);

    expect((await call('updateUser', 'rename', { token: admin.token, path: { id: user.id }, body: { name: `Managed ${tag}` } })).statusCode).toBe(200);
    expect((await call('updateUser', 'disable', { token: admin.token, path: { id: user.id }, body: { disabled: true } })).statusCode).toBe(200);
    expect((await call('updateUser', 'self-demotion', { token: admin.token, path: { id: admin.id }, body: { role: 'customer' } })).statusCode).toBe(409);
    expect((await call('updateUser', 'not found', { token: admin.token, path: { id: `nope${randomInt(1e9)}` }, body: { name: 'x' } })).statusCode).toBe(404);

    expect((await call('deleteUser', 'delete', { token: admin.token, path: { id: user.id } })).statusCode).toBe(204);
    expect((await call('deleteUser', 'not found', { token: admin.token, path: { id: user.id } })).statusCode).toBe(404);
    expect((await call('deleteUser', 'self', { token: admin.token, path: { id: admin.id } })).statusCode).toBe(409);
  });

  it('admin contact routes: list, search, delete, not found', async () => {
    const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    const created = await call('createContactMessage', 'message to delete', { body: { name: 'Visitor', email: unique('visitor'), message: `bye ${tag}` } }, ip);
    expect((await call('listContactMessages', 'newest first', { token: admin.token })).statusCode).toBe(200);
    expect((await call('listContactMessages', 'search', { token: admin.token, query: { search: tag } })).statusCode).toBe(200);
    expect((await call('deleteContactMessage', 'delete', { token: admin.token, path: { id: created.body.id } })).statusCode).toBe(204);
    expect((await call('deleteContactMessage', 'not found', { token: admin.token, path: { id: created.body.id } })).statusCode).toBe(404);
  });
});

describe('cart routes', () => {
  it('set (new, more, fewer), out of stock, unknown product, view, remove (held and not held), clear', async () => {
    const { session } = await customer('cart');
    const token = session.accessToken;
    const product = () => m.createProduct({ name: `Cart ${tag}`, description: '', price: 700, currency: 'usd', stock: 10, lowStockThreshold: 0 });
    const [a, b, c] = [await product(), await product(), await product()];
    expect((await call('getCart', 'empty cart', { token })).statusCode).toBe(200);
    expect((await call('setCartLine', 'new line', { token, path: { productId: a.id }, body: { quantity: 2 } })).statusCode).toBe(200);
    expect((await call('setCartLine', 'more of it', { token, path: { productId: a.id }, body: { quantity: 5 } })).statusCode).toBe(200);
    expect((await call('setCartLine', 'fewer of it', { token, path: { productId: a.id }, body: { quantity: 1 } })).statusCode).toBe(200);
    expect((await call('setCartLine', 'same quantity', { token, path: { productId: a.id }, body: { quantity: 1 } })).statusCode).toBe(200);
    expect((await call('setCartLine', 'out of stock', { token, path: { productId: b.id }, body: { quantity: 50 } })).statusCode).toBe(409);
    expect((await call('setCartLine', 'unknown product', { token, path: { productId: `nope${randomInt(1e9)}` }, body: { quantity: 1 } })).statusCode).toBe(404);
    expect((await call('setCartLine', 'second line', { token, path: { productId: b.id }, body: { quantity: 3 } })).statusCode).toBe(200);
    expect((await call('setCartLine', 'third line', { token, path: { productId: c.id }, body: { quantity: 1 } })).statusCode).toBe(200);
    expect((await call('getCart', 'with holds', { token })).statusCode).toBe(200);
    const { softDeleteProduct } = await import('../../shared/products/product-repository.js');
    await softDeleteProduct(c.id);
    const released = await call('getCart', 'a line of a deleted product (released)', { token });
    expect(released.body.removedItems).toEqual([expect.objectContaining({ productId: c.id })]);
    expect((await call('removeCartLine', 'held line', { token, path: { productId: b.id } })).statusCode).toBe(200);
    expect((await call('removeCartLine', 'line not held', { token, path: { productId: b.id } })).statusCode).toBe(200);
    expect((await call('clearCart', 'two lines', { token })).statusCode).toBe(204);
    expect((await call('clearCart', 'already empty', { token })).statusCode).toBe(204);
    expect((await call('getCart', 'no token', {})).statusCode).toBe(401);
  });
});

describe('order routes', () => {
  const product = (stock = 20) => m.createProduct({ name: `Ordered ${tag}`, description: '', price: 1200, currency: 'usd', stock, lowStockThreshold: 0 });

  it('place: from items, from the cart, keyed and replayed, key reused, out of stock, unknown product, empty cart', async () => {
    const { session } = await customer('orderer');
    const token = session.accessToken;
    const [p, scarce] = [await product(), await product(1)];
    expect((await call('placeOrder', 'from items', { token, body: { shippingAddress: address, items: [{ productId: p.id, quantity: 2 }] } })).statusCode).toBe(201);
    const key = `key-${randomUUID()}`;
    const keyed = { token, headers: { 'idempotency-key': key }, body: { shippingAddress: address, items: [{ productId: p.id, quantity: 1 }] } };
    expect((await call('placeOrder', 'keyed', keyed)).statusCode).toBe(201);
    const replay = await call('placeOrder', 'keyed replay', keyed);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await call('placeOrder', 'key reused with another body', { ...keyed, body: { shippingAddress: address, items: [{ productId: p.id, quantity: 3 }] } })).statusCode).toBe(422);
    expect((await call('placeOrder', 'out of stock', { token, body: { shippingAddress: address, items: [{ productId: scarce.id, quantity: 2 }] } })).statusCode).toBe(409);
    expect((await call('placeOrder', 'unknown product', { token, body: { shippingAddress: address, items: [{ productId: `nope${randomInt(1e9)}`, quantity: 1 }] } })).statusCode).toBe(404);
    expect((await call('placeOrder', 'empty cart', { token, body: { shippingAddress: address } })).statusCode).toBe(400);
    expect((await call('setCartLine', 'line to order', { token, path: { productId: p.id }, body: { quantity: 2 } })).statusCode).toBe(200);
    expect((await call('placeOrder', 'from the cart', { token, body: { shippingAddress: address } })).statusCode).toBe(201);
    expect((await call('placeOrder', 'empty cart, keyed', { token, headers: { 'idempotency-key': `key-${randomUUID()}` }, body: { shippingAddress: address } })).statusCode).toBe(400);
  });

  it('list, export, get, cancel and change status: customers, admins, filters and refusals', async () => {
    const owner = await customer('owner');
    const other = await customer('other');
    const p = await product();
    const place = async () => (await call('placeOrder', 'order to manage', { token: owner.session.accessToken, body: { shippingAddress: address, items: [{ productId: p.id, quantity: 1 }] } })).body.id as string;
    const [first, second, third] = [await place(), await place(), await place()];

    expect((await call('listOrders', 'own orders', { token: owner.session.accessToken })).statusCode).toBe(200);
    expect((await call('listOrders', 'own orders by status and dates', { token: owner.session.accessToken, query: { status: 'pending', from: '2020-01-01', to: '2100-01-01' } })).statusCode).toBe(200);
    expect((await call('listOrders', 'admin: everything', { token: admin.token, query: { limit: '5' } })).statusCode).toBe(200);
    expect((await call('listOrders', 'admin: by status', { token: admin.token, query: { status: 'pending', limit: '5' } })).statusCode).toBe(200);
    expect((await call('listOrders', 'admin: one user', { token: admin.token, query: { userId: owner.user.id } })).statusCode).toBe(200);
    const csv = await callText('exportOrders', 'everything', { token: admin.token });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(first);
    expect((await callText('exportOrders', 'by status and dates', { token: admin.token, query: { status: 'pending', from: '2020-01-01', to: '2100-01-01' } })).statusCode).toBe(200);
    expect((await callText('exportOrders', 'not an admin', { token: owner.session.accessToken })).statusCode).toBe(403);

    expect((await call('getOrder', 'owner', { token: owner.session.accessToken, path: { id: first } })).statusCode).toBe(200);
    expect((await call('getOrder', 'admin', { token: admin.token, path: { id: first } })).statusCode).toBe(200);
    expect((await call('getOrder', 'another customer', { token: other.session.accessToken, path: { id: first } })).statusCode).toBe(404);

    expect((await call('cancelOrder', 'owner cancels', { token: owner.session.accessToken, path: { id: first } })).statusCode).toBe(200);
    expect((await call('cancelOrder', 'already cancelled', { token: owner.session.accessToken, path: { id: first } })).statusCode).toBe(409);
    expect((await call('cancelOrder', 'another customer', { token: other.session.accessToken, path: { id: second } })).statusCode).toBe(404);

    const move = (path: string, id: string, status: string, note?: string) =>
      call('changeOrderStatus', path, { token: admin.token, path: { id }, body: { status, ...(note ? { note } : {}) } });
    expect((await move('paid by hand (refused: only a payment)', second, 'paid', 'paid by bank transfer')).statusCode).toBe(409);
    await m.changeOrderStatus({ orderId: second, to: 'paid', actor: 'payment', by: 'stripe' });
    expect((await move('processing', second, 'processing')).statusCode).toBe(200);
    expect((await move('invalid transition', second, 'pending')).statusCode).toBe(409);
    expect((await move('admin cancels (stock returned)', third, 'cancelled')).statusCode).toBe(200);
    expect((await move('not found', `nope${randomInt(1e9)}`, 'paid')).statusCode).toBe(404);
    expect((await call('changeOrderStatus', 'not an admin', { token: owner.session.accessToken, path: { id: second }, body: { status: 'shipped' } })).statusCode).toBe(403);
  });
});

describe('payment routes (no Stripe call)', () => {
  it('record: partial, completing, overpaying, keyed replay, key reused, cancelled order, unknown order; list: order, own, everyone, refusals', async () => {
    const owner = await customer('payments');
    const other = await customer('payments-other');
    const p = await m.createProduct({ name: `Paid ${tag}`, description: '', price: 1000, currency: 'usd', stock: 20, lowStockThreshold: 0 });
    const { order } = await m.placeOrder({ userId: owner.user.id, input: { shippingAddress: address, items: [{ productId: p.id, quantity: 2 }] } });
    const record = (path: string, id: string, body: object, headers?: Record<string, string>) =>
      call('recordPayment', path, { token: admin.token, path: { id }, body, ...(headers ? { headers } : {}) });
    expect((await record('partial payment', order.id, { amount: 500, method: 'cash' })).statusCode).toBe(201);
    const key = { 'idempotency-key': `pay-${randomUUID()}` };
    expect((await record('completing payment, keyed', order.id, { amount: 1500, method: 'bank_transfer', reference: 'wire 1' }, key)).statusCode).toBe(201);
    const replay = await record('keyed replay', order.id, { amount: 1500, method: 'bank_transfer', reference: 'wire 1' }, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await record('key reused with another body', order.id, { amount: 100, method: 'cash' }, key)).statusCode).toBe(422);
    expect((await record('overpayment', order.id, { amount: 300, method: 'card' })).statusCode).toBe(201);
    const { order: cancelled } = await m.placeOrder({ userId: owner.user.id, input: { shippingAddress: address, items: [{ productId: p.id, quantity: 1 }] } });
    await m.changeOrderStatus({ orderId: cancelled.id, to: 'cancelled', actor: 'admin', by: admin.id });
    expect((await record('cancelled order (refused)', cancelled.id, { amount: 1000, method: 'cash' })).statusCode).toBe(409);
    expect((await record('unknown order', `nope${randomInt(1e9)}`, { amount: 100, method: 'cash' })).statusCode).toBe(404);
    expect((await call('recordPayment', 'not an admin', { token: owner.session.accessToken, path: { id: order.id }, body: { amount: 100, method: 'cash' } })).statusCode).toBe(403);

    const refund = (path: string, id: string, body: object, key = `refund-${randomUUID()}`) =>
      call('refundOrder', path, { token: admin.token, path: { id }, body, headers: { 'idempotency-key': key } });
    expect((await refund('offline refund', order.id, { amount: 200, reason: 'damaged' })).statusCode).toBe(201);
    const refundKey = `refund-${randomUUID()}`;
    expect((await refund('offline refund, keyed replay', order.id, { amount: 100, reason: 'replayed' }, refundKey)).statusCode).toBe(201);
    expect((await refund('offline refund, keyed replay', order.id, { amount: 100, reason: 'replayed' }, refundKey)).statusCode).toBe(201);
    expect((await refund('more than refundable', order.id, { amount: 100_000, reason: 'too much' })).statusCode).toBe(409);
    expect((await refund('unknown order', `nope${randomInt(1e9)}`, { amount: 100, reason: 'x' })).statusCode).toBe(404);
    const { order: byCard } = await m.placeOrder({ userId: owner.user.id, input: { shippingAddress: address, items: [{ productId: p.id, quantity: 1 }] } });
    const { recordPayment } = await import('../../shared/payments/payment-repository.js');
    const intent = `pi_${randomUUID().replace(/-/g, '')}`;
    await recordPayment({ id: intent, orderId: byCard.id, amount: 1000, currency: 'usd', method: 'card', provider: 'stripe', reference: intent, recordedBy: 'stripe', stripe: { eventId: `evt_${randomUUID()}`, eventType: 'payment_intent.succeeded', paymentIntentId: intent } });
    fake.charge(intent, 1000);
    expect((await refund('card refund through Stripe', byCard.id, { amount: 400, reason: 'late' })).statusCode).toBe(201);
    fake.charge(intent, 500); // Stripe now finds only 100 left on the charge
    expect((await refund('card refund Stripe refuses (failed)', byCard.id, { amount: 600, reason: 'x' })).statusCode).toBe(409);
    expect((await refund('more than refundable on the card payment', byCard.id, { amount: 601, reason: 'x' })).statusCode).toBe(409);

    expect((await call('listPayments', 'one order, owner', { token: owner.session.accessToken, query: { orderId: order.id } })).statusCode).toBe(200);
    expect((await call('listPayments', 'own payments', { token: owner.session.accessToken, query: { limit: '5' } })).statusCode).toBe(200);
    expect((await call('listPayments', 'admin: everyone', { token: admin.token, query: { limit: '5' } })).statusCode).toBe(200);
    expect((await call('listPayments', 'admin: one order', { token: admin.token, query: { orderId: order.id } })).statusCode).toBe(200);
    expect((await call('listPayments', 'another customer order', { token: other.session.accessToken, query: { orderId: order.id } })).statusCode).toBe(404);
  });
});

describe('shipment routes', () => {
  it('create (first, later, tracking number taken, unpaid order, unknown order), list, get, update (moves, checkpoint, invalid, deliveries)', async () => {
    const owner = await customer('shipped');
    const other = await customer('shipped-other');
    const p = await m.createProduct({ name: `Shipped ${tag}`, description: '', price: 900, currency: 'usd', stock: 20, lowStockThreshold: 0 });
    const paidOrder = async () => {
      const { order } = await m.placeOrder({ userId: owner.user.id, input: { shippingAddress: address, items: [{ productId: p.id, quantity: 1 }] } });
      await m.changeOrderStatus({ orderId: order.id, to: 'paid', actor: 'payment', by: 'stripe' });
      return order;
    };
    const order = await paidOrder();
    const tracking = () => `TR${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    const [t1, t2] = [tracking(), tracking()];
    const create = (path: string, body: object, token = admin.token) => call('createShipment', path, { token, body });
    expect((await create('first shipment (order shipped)', { orderId: order.id, carrier: 'UPS', trackingNumber: t1 })).statusCode).toBe(201);
    expect((await create('second shipment', { orderId: order.id, carrier: 'DHL', trackingNumber: t2 })).statusCode).toBe(201);
    expect((await create('tracking number taken', { orderId: order.id, carrier: 'DHL', trackingNumber: t2 })).statusCode).toBe(409);
    const { order: unpaid } = await m.placeOrder({ userId: owner.user.id, input: { shippingAddress: address, items: [{ productId: p.id, quantity: 1 }] } });
    expect((await create('unpaid order', { orderId: unpaid.id, carrier: 'UPS', trackingNumber: tracking() })).statusCode).toBe(409);
    expect((await create('unknown order', { orderId: `nope${randomInt(1e9)}`, carrier: 'UPS', trackingNumber: tracking() })).statusCode).toBe(404);
    expect((await create('not an admin', { orderId: order.id, carrier: 'UPS', trackingNumber: tracking() }, owner.session.accessToken)).statusCode).toBe(403);

    expect((await call('listShipments', 'admin: everything', { token: admin.token, query: { limit: '5' } })).statusCode).toBe(200);
    expect((await call('listShipments', 'own shipments', { token: owner.session.accessToken })).statusCode).toBe(200);
    expect((await call('listShipments', 'by order', { token: owner.session.accessToken, query: { orderId: order.id } })).statusCode).toBe(200);
    expect((await call('listShipments', 'admin: by order', { token: admin.token, query: { orderId: order.id } })).statusCode).toBe(200);
    expect((await call('listShipments', 'by tracking number', { token: owner.session.accessToken, query: { trackingNumber: t1 } })).statusCode).toBe(200);
    expect((await call('listShipments', 'unknown tracking number', { token: admin.token, query: { trackingNumber: tracking() } })).statusCode).toBe(200);

    expect((await call('getShipment', 'owner', { token: owner.session.accessToken, path: { trackingNumber: t1 } })).statusCode).toBe(200);
    expect((await call('getShipment', 'admin', { token: admin.token, path: { trackingNumber: t1 } })).statusCode).toBe(200);
    expect((await call('getShipment', 'another customer', { token: other.session.accessToken, path: { trackingNumber: t1 } })).statusCode).toBe(404);
    expect((await call('getShipment', 'unknown', { token: admin.token, path: { trackingNumber: tracking() } })).statusCode).toBe(404);
    // A claim written before claims carried a copy of the shipment (setup): the shipment item is
    // read second, in its order's partition, until the shipment's next update writes the copy.
    await db.send(new UpdateCommand({ TableName: tableName, Key: { pk: `TRACKING#${t2}`, sk: 'TRACKING' }, UpdateExpression: 'REMOVE shipment' }));
    expect((await call('getShipment', 'a claim without the copy', { token: owner.session.accessToken, path: { trackingNumber: t2 } })).statusCode).toBe(200);

    const update = (path: string, trackingNumber: string, body: object) => call('updateShipment', path, { token: admin.token, path: { trackingNumber }, body });
    expect((await update('in transit with a checkpoint', t1, { status: 'in_transit', checkpoint: { location: 'Hub', description: 'Sorted' } })).statusCode).toBe(200);
    expect((await update('checkpoint only', t1, { checkpoint: { location: 'Depot', description: 'Arrived' } })).statusCode).toBe(200);
    expect((await update('invalid transition', t1, { status: 'label_created' })).statusCode).toBe(409);
    expect((await update('out for delivery', t1, { status: 'out_for_delivery' })).statusCode).toBe(200);
    expect((await update('delivered, not the last', t1, { status: 'delivered' })).statusCode).toBe(200);
    expect((await update('exception', t2, { status: 'exception' })).statusCode).toBe(200);
    expect((await update('last delivery (order delivered)', t2, { status: 'delivered' })).statusCode).toBe(200);
    expect((await update('unknown', tracking(), { status: 'in_transit' })).statusCode).toBe(404);
  });
});

describe('analytics', () => {
  it('default range, a range with counters (top products named), invalid and too long ranges, not an admin', async () => {
    const owner = await customer('analytics');
    const p = await m.createProduct({ name: `Counted ${tag}`, description: '', price: 800, currency: 'usd', stock: 1, lowStockThreshold: 5 });
    await m.placeOrder({ userId: owner.user.id, input: { shippingAddress: address, items: [{ productId: p.id, quantity: 1 }] } });
    // A SALES counter as the aggregator writes it (setup, not the function's traffic), on a random
    // far-future day so no other test file's report of its own day sees it.
    const day = `21${10 + randomInt(89)}-0${1 + randomInt(9)}-2${randomInt(9)}`;
    await db.send(new PutCommand({ TableName: tableName, Item: { pk: `STATS#${day}`, sk: 'SALES', paidOrders: 1, paidValue: 800, [`q_${p.id}`]: 1, [`r_${p.id}`]: 800 } }));
    expect((await call('getAnalytics', 'default range', { token: admin.token })).statusCode).toBe(200);
    const report = await call('getAnalytics', 'today, with counters', { token: admin.token, query: { from: day, to: day } });
    expect(report.statusCode).toBe(200);
    expect(report.body.topProducts.some((line: { productId: string; name: string | null }) => line.productId === p.id && line.name !== null)).toBe(true);
    expect((await call('getAnalytics', 'from after to', { token: admin.token, query: { from: '2025-02-01', to: '2025-01-01' } })).statusCode).toBe(400);
    expect((await call('getAnalytics', 'over 366 days', { token: admin.token, query: { from: '2020-01-01', to: '2025-01-01' } })).statusCode).toBe(400);
    expect((await call('getAnalytics', 'not an admin', { token: owner.session.accessToken })).statusCode).toBe(403);
  });
});

describe('product admin writes', () => {
  it('create, update (category set and cleared), delete twice, restore twice, adjust stock up, down, below zero, list adjustments, image upload (live, deleted), unknown products', async () => {
    const created = await call('createProduct', 'create', { token: admin.token, body: { name: `Admin ${tag}`, price: 1000, stock: 3, category: `cat-${tag}`, sku: `SKU-${tag}` } });
    expect(created.statusCode).toBe(201);
    const id = created.body.id as string;
    const missing = `nope${randomInt(1e9)}`;
    expect((await call('createProduct', 'invalid body', { token: admin.token, body: { name: '' } })).statusCode).toBe(400);
    expect((await call('updateProduct', 'rename and reprice', { token: admin.token, path: { id }, body: { name: `Renamed ${tag}`, price: 1200 } })).statusCode).toBe(200);
    expect((await call('updateProduct', 'clear category and sku', { token: admin.token, path: { id }, body: { category: null, sku: null } })).statusCode).toBe(200);
    expect((await call('updateProduct', 'unknown product', { token: admin.token, path: { id: missing }, body: { name: 'x' } })).statusCode).toBe(404);
    expect((await call('deleteProduct', 'soft delete', { token: admin.token, path: { id } })).statusCode).toBe(204);
    expect((await call('deleteProduct', 'already deleted', { token: admin.token, path: { id } })).statusCode).toBe(204);
    expect((await call('deleteProduct', 'unknown product', { token: admin.token, path: { id: missing } })).statusCode).toBe(404);
    expect((await call('restoreProduct', 'restore', { token: admin.token, path: { id } })).statusCode).toBe(200);
    expect((await call('restoreProduct', 'not deleted', { token: admin.token, path: { id } })).statusCode).toBe(200);
    expect((await call('restoreProduct', 'unknown product', { token: admin.token, path: { id: missing } })).statusCode).toBe(404);
    expect((await call('adjustStock', 'add', { token: admin.token, path: { id }, body: { delta: 5, reason: 'delivery' } })).statusCode).toBe(200);
    expect((await call('adjustStock', 'remove', { token: admin.token, path: { id }, body: { delta: -2, reason: 'damaged' } })).statusCode).toBe(200);
    expect((await call('adjustStock', 'below zero', { token: admin.token, path: { id }, body: { delta: -100, reason: 'lost' } })).statusCode).toBe(409);
    expect((await call('adjustStock', 'unknown product', { token: admin.token, path: { id: missing }, body: { delta: 1, reason: 'x' } })).statusCode).toBe(404);
    expect((await call('listStockAdjustments', 'audit trail', { token: admin.token, path: { id }, query: { limit: '1' } })).statusCode).toBe(200);
    expect((await call('listStockAdjustments', 'unknown product', { token: admin.token, path: { id: missing } })).statusCode).toBe(404);
    const image = { contentType: 'image/png', filename: 'photo.png', size: 1024 };
    expect((await call('createProductImageUpload', 'upload URL', { token: admin.token, path: { id }, body: image })).statusCode).toBe(201);
    expect((await call('createProductImageUpload', 'unknown product', { token: admin.token, path: { id: missing }, body: image })).statusCode).toBe(404);
    expect((await call('deleteProduct', 'deleted again', { token: admin.token, path: { id } })).statusCode).toBe(204);
    expect((await call('createProductImageUpload', 'deleted product', { token: admin.token, path: { id }, body: image })).statusCode).toBe(404);
    const { session } = await customer('not-admin');
    expect((await call('createProduct', 'not an admin', { token: session.accessToken, body: { name: 'x', price: 1, stock: 1 } })).statusCode).toBe(403);
  });
});

describe('coverage of the declarations', () => {
  it('every covered function ran, and each declared pattern was needed by some path', () => {
    for (const fn of [...COVERED, 'SeedAdminFunction']) {
      const entry = seen.get(fn);
      expect(entry, `${fn} never ran`).toBeDefined();
      expect(entry!.touches.length, `${fn} touched nothing`).toBeGreaterThan(0);
      expect(unusedPatterns(entry!.access, entry!.touches), `${fn}: declared but never used`).toEqual([]);
    }
  });

  it('the check is live: a declaration missing one prefix is reported, and a Scan is never allowed', () => {
    const register = seen.get('register')!;
    expect(deniedTouches({ table: { mode: 'write', keys: ['EMAIL#*', 'USER#*'] } }, register.touches).join('\n')).toMatch(/PutItem of SESSION#.*matches none/);
    expect(deniedTouches({ table: { mode: 'read', keys: ['EMAIL#*', 'USER#*', 'SESSION#*'] } }, register.touches).join('\n')).toMatch(/not granted to a read function/);
    expect(deniedTouches({ table: { mode: 'read', keys: ['*'] } }, touchesOf('Scan', { TableName: tableName }))).toHaveLength(1);
    const listUsers = seen.get('listUsers')!;
    expect(deniedTouches({ table: { mode: 'read', keys: ['*'], indexKeys: { gsi1: ['USERS#*'] } } }, listUsers.touches).join('\n')).toMatch(/index gsi2 not declared/);
  });
});
