/**
 * The cap on unpaid orders per customer (issue 11 item 9) against DynamoDB Local through the
 * conflict-faithful proxy, with MAX_UNPAID_ORDERS=5 for this file: a parallel burst of 40
 * orders by one customer, slots freed by paying, cancelling and the rollback schedule (once),
 * the cart path, other customers unaffected.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { db, tableName } from '../../shared/clients/dynamodb.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';
import { createTestQueue } from '../support/test-queue.js';

const CAP = 5;
const tag = `cap${randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
let h: {
  place: typeof import('../../functions/orders/place.js').handler;
  cancel: typeof import('../../functions/orders/cancel.js').handler;
  pay: typeof import('../../functions/payments/record.js').handler;
  setLine: typeof import('../../functions/cart/set-line.js').handler;
};
let m: {
  createProduct: typeof import('../../shared/products/product-repository.js').createProduct;
  createUser: typeof import('../../shared/users/user-repository.js').createUser;
  startSession: typeof import('../../shared/auth/sessions.js').startSession;
  changeOrderStatus: typeof import('../../shared/orders/order-repository.js').changeOrderStatus;
  rollbackStaleOrders: typeof import('../../shared/schedules/rollback-stale-orders.js').rollbackStaleOrders;
};
let admin: string;
let productId: string;

beforeAll(async () => {
  process.env.MAX_UNPAID_ORDERS = String(CAP);
  process.env.ORDER_EVENTS_QUEUE_URL = (await createTestQueue('unpaid-cap-it')).url;
  h = {
    place: (await import('../../functions/orders/place.js')).handler,
    cancel: (await import('../../functions/orders/cancel.js')).handler,
    pay: (await import('../../functions/payments/record.js')).handler,
    setLine: (await import('../../functions/cart/set-line.js')).handler,
  };
  m = {
    createProduct: (await import('../../shared/products/product-repository.js')).createProduct,
    createUser: (await import('../../shared/users/user-repository.js')).createUser,
    startSession: (await import('../../shared/auth/sessions.js')).startSession,
    changeOrderStatus: (await import('../../shared/orders/order-repository.js')).changeOrderStatus,
    rollbackStaleOrders: (await import('../../shared/schedules/rollback-stale-orders.js')).rollbackStaleOrders,
  };
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  admin = (await m.startSession(await ensureAdmin({ email: `cap-admin-${tag}@example.com`, password: 'admin-password' }))).accessToken;
  productId = (await m.createProduct({ name: `Capped ${tag}`, description: '', price: 1000, currency: 'usd', stock: 2000, lowStockThreshold: 0 })).id;
});

async function newCustomer() {
  const user = await m.createUser({ email: `cap-${tag}-${randomUUID().slice(0, 8)}@example.com`, name: `Cap ${tag}`, passwordHash: 'unused', role: 'customer' });
  return { id: user.id, token: (await m.startSession(user)).accessToken };
}
const place = (token: string, quantity = 10, headers?: Record<string, string>) =>
  invoke(h.place, apiEvent(routes.placeOrder, { token, body: { shippingAddress: address, items: [{ productId, quantity }] }, ...(headers ? { headers } : {}) }));
const stock = async () => (await db.send(new GetCommand({ TableName: tableName, Key: { pk: `PRODUCT#${productId}`, sk: 'PRODUCT' }, ConsistentRead: true }))).Item!.stock as number;
const unpaidCount = async (userId: string) =>
  (await db.send(new GetCommand({ TableName: tableName, Key: { pk: `USER#${userId}`, sk: 'UNPAID_ORDERS' }, ConsistentRead: true }))).Item?.count as number | undefined;
const codes = (responses: readonly ParsedResponse[]) =>
  responses.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.statusCode]: (counts[r.statusCode] ?? 0) + 1 }), {});

describe(`at most ${CAP} unpaid orders per customer (MAX_UNPAID_ORDERS)`, () => {
  it('40 parallel orders of 10 units by one customer: exactly 5 × 201 and 35 × 409 TOO_MANY_UNPAID_ORDERS; only 50 units taken', async () => {
    const customer = await newCustomer();
    const before = await stock();
    const responses = await Promise.all(Array.from({ length: 40 }, () => place(customer.token)));
    expect(codes(responses)).toEqual({ 201: CAP, 409: 40 - CAP });
    for (const refused of responses.filter((r) => r.statusCode === 409)) {
      expect(refused.body.error).toMatchObject({ code: 'TOO_MANY_UNPAID_ORDERS', details: { limit: CAP } });
      expect(refused.body.error.message).toContain(`${CAP} unpaid orders`);
    }
    expect(before - (await stock())).toBe(CAP * 10);
    expect(await unpaidCount(customer.id)).toBe(CAP);
    // Someone else is not affected.
    expect((await place((await newCustomer()).token)).statusCode).toBe(201);
  });

  it('paying, cancelling, and the rollback of an unpaid order each free one slot, once; a failed payment does not', async () => {
    const customer = await newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < CAP; i += 1) ids.push((await place(customer.token, 1)).body.id);
    expect((await place(customer.token, 1)).statusCode).toBe(409);

    // Paid in full (a recorded payment): one slot.
    expect((await invoke(h.pay, apiEvent(routes.recordPayment, { token: admin, path: { id: ids[0]! }, body: { amount: 1000, method: 'cash' } }))).statusCode).toBe(201);
    expect(await unpaidCount(customer.id)).toBe(CAP - 1);
    const sixth = await place(customer.token, 1);
    expect(sixth.statusCode).toBe(201);
    expect((await place(customer.token, 1)).statusCode).toBe(409);

    // Cancelled, twice at once (one succeeds): one slot.
    const cancels = await Promise.all([ids[1]!, ids[1]!].map((id) => invoke(h.cancel, apiEvent(routes.cancelOrder, { token: customer.token, path: { id } }))));
    expect(codes(cancels)).toEqual({ 200: 1, 409: 1 });
    expect(await unpaidCount(customer.id)).toBe(CAP - 1);
    expect((await place(customer.token, 1)).statusCode).toBe(201);

    // A failed payment keeps the order unpaid (it still holds stock); its rollback frees the slot.
    await m.changeOrderStatus({ orderId: ids[2]!, to: 'failed', actor: 'payment', by: 'stripe' });
    expect(await unpaidCount(customer.id)).toBe(CAP);
    expect((await place(customer.token, 1)).statusCode).toBe(409);
    // Two rollback runs at once: the order is rolled back once, the slot freed once.
    await Promise.all([m.rollbackStaleOrders(), m.rollbackStaleOrders()]);
    expect(await unpaidCount(customer.id)).toBe(CAP - 1);
    expect((await place(customer.token, 1)).statusCode).toBe(201);
    expect((await place(customer.token, 1)).statusCode).toBe(409);
  });

  it('an Idempotency-Key replay at the cap answers the first order (201), not a 409; from the cart the 409 leaves the holds alone', async () => {
    const customer = await newCustomer();
    const key = `cap-${randomUUID()}`;
    for (let i = 0; i < CAP - 1; i += 1) expect((await place(customer.token, 1)).statusCode).toBe(201);
    const first = await place(customer.token, 1, { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    const replays = await Promise.all(Array.from({ length: 5 }, () => place(customer.token, 1, { 'idempotency-key': key })));
    expect(replays.map((r) => [r.statusCode, r.body.id])).toEqual(Array(5).fill([201, first.body.id]));

    expect((await invoke(h.setLine, apiEvent(routes.setCartLine, { token: customer.token, path: { productId }, body: { quantity: 3 } }))).statusCode).toBe(200);
    const fromCart = await invoke(h.place, apiEvent(routes.placeOrder, { token: customer.token, body: { shippingAddress: address } }));
    expect(fromCart.statusCode).toBe(409);
    expect(fromCart.body.error.code).toBe('TOO_MANY_UNPAID_ORDERS');
    const hold = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `CART#${customer.id}`, sk: `ITEM#${productId}` }, ConsistentRead: true }));
    expect(hold.Item).toMatchObject({ quantity: 3 });
  });
});
