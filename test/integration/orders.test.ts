/**
 * Carts and orders against DynamoDB Local: real parallel calls through the handlers, real
 * conditions and transactions. Stock is read back from the table after every race. Other
 * test files share the table, so everything here is tagged (product names, user emails) and
 * order listings are narrowed to this file's users, statuses and time windows. Order events
 * go to a queue of this file's own.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { db, tableName } from '../../shared/clients/dynamodb.js';
import { productKey } from '../../shared/products/product-keys.js';
import type { ProductRecord } from '../../shared/products/product.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';

const tag = `ord${randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };

let h: {
  getCart: typeof import('../../functions/cart/get.js').handler;
  setLine: typeof import('../../functions/cart/set-line.js').handler;
  removeLine: typeof import('../../functions/cart/remove-line.js').handler;
  clearCart: typeof import('../../functions/cart/clear.js').handler;
  place: typeof import('../../functions/orders/place.js').handler;
  list: typeof import('../../functions/orders/list.js').handler;
  get: typeof import('../../functions/orders/get.js').handler;
  cancel: typeof import('../../functions/orders/cancel.js').handler;
  changeStatus: typeof import('../../functions/orders/change-status.js').handler;
  exportCsv: typeof import('../../functions/orders/export.js').handler;
  recordPayment: typeof import('../../functions/payments/record.js').handler;
};
let repo: {
  createProduct: typeof import('../../shared/products/product-repository.js').createProduct;
  softDeleteProduct: typeof import('../../shared/products/product-repository.js').softDeleteProduct;
  cartHolds: typeof import('../../shared/carts/cart-repository.js').cartHolds;
  viewCart: typeof import('../../shared/carts/cart-repository.js').viewCart;
  removeCartLine: typeof import('../../shared/carts/cart-repository.js').removeCartLine;
  findOrder: typeof import('../../shared/orders/order-repository.js').findOrder;
};
let admin: { id: string; token: string };

interface Customer {
  id: string;
  token: string;
  email: string;
  name: string;
}

beforeAll(async () => {
  const sqs = new SQSClient({});
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `orders-it-${randomUUID()}` }));
  process.env.ORDER_EVENTS_QUEUE_URL = QueueUrl!;
  h = {
    getCart: (await import('../../functions/cart/get.js')).handler,
    setLine: (await import('../../functions/cart/set-line.js')).handler,
    removeLine: (await import('../../functions/cart/remove-line.js')).handler,
    clearCart: (await import('../../functions/cart/clear.js')).handler,
    place: (await import('../../functions/orders/place.js')).handler,
    list: (await import('../../functions/orders/list.js')).handler,
    get: (await import('../../functions/orders/get.js')).handler,
    cancel: (await import('../../functions/orders/cancel.js')).handler,
    changeStatus: (await import('../../functions/orders/change-status.js')).handler,
    exportCsv: (await import('../../functions/orders/export.js')).handler,
    recordPayment: (await import('../../functions/payments/record.js')).handler,
  };
  const products = await import('../../shared/products/product-repository.js');
  const carts = await import('../../shared/carts/cart-repository.js');
  const orders = await import('../../shared/orders/order-repository.js');
  repo = {
    createProduct: products.createProduct,
    softDeleteProduct: products.softDeleteProduct,
    cartHolds: carts.cartHolds,
    viewCart: carts.viewCart,
    removeCartLine: carts.removeCartLine,
    findOrder: orders.findOrder,
  };
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  const { startSession } = await import('../../shared/auth/sessions.js');
  const adminUser = await ensureAdmin({ email: `orders-admin-${tag}@example.com`, password: 'admin-password' });
  admin = { id: adminUser.id, token: (await startSession(adminUser)).accessToken };
});

/** A customer with a session, created directly (no bcrypt: nobody logs in with a password here). */
async function newCustomer(label = 'customer'): Promise<Customer> {
  const { createUser } = await import('../../shared/users/user-repository.js');
  const { startSession } = await import('../../shared/auth/sessions.js');
  const user = await createUser({ email: `${label}-${tag}-${randomUUID().slice(0, 8)}@example.com`, name: `${label} ${tag}`, passwordHash: 'unused', role: 'customer' });
  return { id: user.id, token: (await startSession(user)).accessToken, email: user.email, name: user.name };
}

const newProduct = (stock: number, price = 1250, name = 'Item'): Promise<ProductRecord> =>
  repo.createProduct({ name: `${name} ${tag}`, description: '', price, currency: 'usd', stock, lowStockThreshold: 5 });

async function stockOf(productId: string): Promise<number> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: productKey(productId), ConsistentRead: true }));
  return Item!.stock as number;
}

const setLine = (who: Customer, productId: string, quantity: unknown) =>
  invoke(h.setLine, apiEvent(routes.setCartLine, { token: who.token, path: { productId }, body: { quantity } }));
const removeLine = (who: Customer, productId: string) =>
  invoke(h.removeLine, apiEvent(routes.removeCartLine, { token: who.token, path: { productId } }));
const getCart = (who: Customer) => invoke(h.getCart, apiEvent(routes.getCart, { token: who.token }));
const place = (who: Customer, body: Record<string, unknown>, idempotencyKey?: string) =>
  invoke(h.place, apiEvent(routes.placeOrder, { token: who.token, body, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) }));
const direct = (who: Customer, items: { productId: string; quantity: number }[], idempotencyKey?: string) =>
  place(who, { shippingAddress: address, items }, idempotencyKey);
const getOrder = (token: string, id: string) => invoke(h.get, apiEvent(routes.getOrder, { token, path: { id } }));
const cancel = (token: string, id: string) => invoke(h.cancel, apiEvent(routes.cancelOrder, { token, path: { id } }));
const patchStatus = (token: string, id: string, status: string, note?: string) =>
  invoke(h.changeStatus, apiEvent(routes.changeOrderStatus, { token, path: { id }, body: { status, ...(note ? { note } : {}) } }));
const listOrders = (token: string, query: Record<string, string> = {}) => invoke(h.list, apiEvent(routes.listOrders, { token, query }));
/** `paid` comes only from a completed payment (issue 12 item 6): the admin records the whole amount. */
async function payInFull(id: string, total: number): Promise<void> {
  const paid = await invoke(h.recordPayment, apiEvent(routes.recordPayment, { token: admin.token, path: { id }, body: { amount: total, method: 'bank_transfer' } }));
  expect(paid.statusCode, JSON.stringify(paid.body)).toBe(201);
  expect((await repo.findOrder(id))!.status).toBe('paid');
}

/** Every page of GET /orders for this query. */
async function walkOrders(token: string, query: Record<string, string>): Promise<{ id: string; userId: string; status: string; createdAt: string }[]> {
  const items: { id: string; userId: string; status: string; createdAt: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await listOrders(token, { ...query, ...(cursor ? { cursor } : {}) });
    expect(page.statusCode, JSON.stringify(page.body)).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  expect(new Set(items.map((o) => o.id)).size, 'no duplicates across pages').toBe(items.length);
  return items;
}

const statuses = (responses: readonly ParsedResponse[]) =>
  responses.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.statusCode]: (counts[r.statusCode] ?? 0) + 1 }), {});

describe('stock races', () => {
  it('200 parallel direct orders of 1 unit on stock 50: exactly 50 × 201, 150 × 409 OUT_OF_STOCK, stock 0', async () => {
    const product = await newProduct(50);
    const customers = await Promise.all(Array.from({ length: 20 }, () => newCustomer('racer')));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => direct(customers[i % customers.length]!, [{ productId: product.id, quantity: 1 }])),
    );
    expect(statuses(results)).toEqual({ 201: 50, 409: 150 });
    for (const refused of results.filter((r) => r.statusCode === 409)) {
      expect(refused.body.error).toMatchObject({ code: 'OUT_OF_STOCK', details: { productId: product.id, available: 0 } });
    }
    const placed = results.filter((r) => r.statusCode === 201).map((r) => r.body);
    expect(new Set(placed.map((o) => o.id)).size).toBe(50);
    expect(placed.every((o) => o.status === 'pending' && o.total === 1250 && o.items[0].quantity === 1)).toBe(true);
    expect(await stockOf(product.id)).toBe(0);
  });

  it('10 carts × PUT quantity 3 on stock 20: 6 holds succeed, the rest 409 with available 2; holds + stock = 20', async () => {
    const product = await newProduct(20);
    const customers = await Promise.all(Array.from({ length: 10 }, () => newCustomer('holder')));
    const results = await Promise.all(customers.map((c) => setLine(c, product.id, 3)));
    expect(statuses(results)).toEqual({ 200: 6, 409: 4 });
    for (const refused of results.filter((r) => r.statusCode === 409)) {
      expect(refused.body.error).toMatchObject({ code: 'OUT_OF_STOCK', details: { productId: product.id, available: 2 } });
    }
    const holds = (await Promise.all(customers.map((c) => repo.cartHolds(c.id)))).flat();
    const stock = await stockOf(product.id);
    expect(stock).toBeGreaterThanOrEqual(0);
    expect(holds.reduce((sum, hold) => sum + hold.quantity, 0) + stock).toBe(20);
    expect(stock).toBe(2);

    // Changing a line moves only the difference; every holder then releases in parallel.
    const holder = customers[results.findIndex((r) => r.statusCode === 200)]!;
    expect((await setLine(holder, product.id, 1)).body.items).toEqual([expect.objectContaining({ productId: product.id, quantity: 1 })]);
    expect(await stockOf(product.id)).toBe(4);
    expect((await setLine(holder, product.id, 5)).body.items[0].quantity).toBe(5);
    expect(await stockOf(product.id)).toBe(0);
    const released = await Promise.all(customers.map((c) => removeLine(c, product.id)));
    expect(released.every((r) => r.statusCode === 200 && r.body.items.length === 0)).toBe(true);
    expect(await stockOf(product.id)).toBe(20);
  });

  it('parallel PUTs of different quantities on one line: the last write wins and stock matches it', async () => {
    const product = await newProduct(30);
    const customer = await newCustomer();
    const results = await Promise.all([4, 7, 2, 9, 5].map((q) => setLine(customer, product.id, q)));
    expect(results.every((r) => r.statusCode === 200 || (r.statusCode === 409 && r.body.error.code === 'CONFLICT') || r.statusCode === 503)).toBe(true);
    const [hold] = await repo.cartHolds(customer.id);
    expect(hold!.quantity + (await stockOf(product.id))).toBe(30);
  });
});

describe('Idempotency-Key', () => {
  it('10 concurrent replays of a direct order: one order, every answer carries its id, stock taken once', async () => {
    const product = await newProduct(10);
    const customer = await newCustomer('replayer');
    const key = `key-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => direct(customer, [{ productId: product.id, quantity: 2 }], key)));
    expect(statuses(results)).toEqual({ 201: 10 });
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await stockOf(product.id)).toBe(8);
    expect((await walkOrders(customer.token, {})).map((o) => o.id)).toEqual([results[0]!.body.id]);

    // A later replay answers the same; the same key with another body is a 422 and writes nothing.
    const again = await direct(customer, [{ productId: product.id, quantity: 2 }], key);
    expect(again.body.id).toBe(results[0]!.body.id);
    const reused = await direct(customer, [{ productId: product.id, quantity: 3 }], key);
    expect(reused.statusCode).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await stockOf(product.id)).toBe(8);
    // Keys are per customer: another customer's identical key is a new order.
    const other = await direct(await newCustomer(), [{ productId: product.id, quantity: 2 }], key);
    expect(other.statusCode).toBe(201);
    expect(other.body.id).not.toBe(results[0]!.body.id);
    expect(await stockOf(product.id)).toBe(6);
  });

  it('5 concurrent replays of an order from the cart: one order, the cart moved once', async () => {
    const product = await newProduct(10);
    const customer = await newCustomer('cart-replayer');
    expect((await setLine(customer, product.id, 4)).statusCode).toBe(200);
    const key = `cart-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => place(customer, { shippingAddress: address }, key)));
    expect(statuses(results)).toEqual({ 201: 5 });
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results[0]!.body.items).toEqual([expect.objectContaining({ productId: product.id, quantity: 4 })]);
    expect(await stockOf(product.id)).toBe(6);
    expect(await repo.cartHolds(customer.id)).toEqual([]);
  });

  it('a malformed key is a 400', async () => {
    const product = await newProduct(1);
    const response = await direct(await newCustomer(), [{ productId: product.id, quantity: 1 }], 'bad key with spaces');
    expect(response.statusCode).toBe(400);
    expect(await stockOf(product.id)).toBe(1);
  });
});

describe('orders from the cart', () => {
  it('moves every live hold into the order at server prices; the cart is empty after and stock is unchanged by checkout', async () => {
    const mug = await newProduct(10, 1999, 'Mug');
    const lamp = await newProduct(5, 4500, 'Lamp');
    const customer = await newCustomer('checkout');
    await setLine(customer, mug.id, 2);
    const cart = await setLine(customer, lamp.id, 3);
    expect(cart.body).toMatchObject({ total: 2 * 1999 + 3 * 4500, currency: 'usd' });
    expect(cart.body.items).toHaveLength(2);
    expect([await stockOf(mug.id), await stockOf(lamp.id)]).toEqual([8, 2]);

    const placed = await place(customer, { shippingAddress: { ...address, line2: 'Flat 2' } });
    expect(placed.statusCode, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body).toMatchObject({
      userId: customer.id,
      status: 'pending',
      paymentStatus: 'pending',
      total: 2 * 1999 + 3 * 4500,
      amountPaid: 0,
      amountDue: 2 * 1999 + 3 * 4500,
      currency: 'usd',
      shippingAddress: { ...address, line2: 'Flat 2', country: 'US' },
      statusHistory: [expect.objectContaining({ status: 'pending', by: customer.id })],
    });
    expect([...placed.body.items].sort((a, b) => a.unitPrice - b.unitPrice)).toEqual([
      { productId: mug.id, name: mug.name, unitPrice: 1999, quantity: 2, lineTotal: 3998 },
      { productId: lamp.id, name: lamp.name, unitPrice: 4500, quantity: 3, lineTotal: 13500 },
    ]);
    expect([await stockOf(mug.id), await stockOf(lamp.id)]).toEqual([8, 2]);
    expect((await getCart(customer)).body).toEqual({ items: [], total: 0, currency: 'usd', removedItems: [] });
    expect(await repo.cartHolds(customer.id)).toEqual([]);

    // Nothing left to order: 400, nothing written.
    const empty = await place(customer, { shippingAddress: address });
    expect(empty.statusCode).toBe(400);
    // The header's line count went back to 0: the cart takes new lines.
    expect((await setLine(customer, mug.id, 1)).statusCode).toBe(200);
  });

  it('an expired hold leaves the cart view but keeps its stock until it is released; checkout ignores it', async () => {
    const product = await newProduct(6);
    const other = await newProduct(6);
    const customer = await newCustomer('expiry');
    await setLine(customer, product.id, 2);
    const later = Date.now() + 16 * 60_000;
    expect((await repo.viewCart(customer.id, later)).items).toEqual([]);
    expect(await stockOf(product.id)).toBe(4);
    // Not expired yet at the real now: the release run leaves it alone.
    expect(await repo.removeCartLine(customer.id, product.id, { expiredBefore: Date.now() })).toBe(false);
    expect(await repo.removeCartLine(customer.id, product.id, { expiredBefore: later })).toBe(true);
    expect(await repo.removeCartLine(customer.id, product.id, { expiredBefore: later })).toBe(false);
    expect(await stockOf(product.id)).toBe(6);

    // Checkout takes only live lines, and the hold it took can no longer be released.
    await setLine(customer, other.id, 1);
    const placed = await place(customer, { shippingAddress: address });
    expect(placed.body.items.map((l: { productId: string }) => l.productId)).toEqual([other.id]);
    expect(await repo.removeCartLine(customer.id, other.id, { expiredBefore: later })).toBe(false);
    expect(await stockOf(other.id)).toBe(5);
  });

  it('a soft-deleted product can be neither held nor ordered (404), and its stock does not move', async () => {
    const product = await newProduct(5);
    const customer = await newCustomer('deleted');
    await setLine(customer, product.id, 1);
    await repo.softDeleteProduct(product.id);
    const held = await setLine(customer, product.id, 2);
    expect(held.statusCode).toBe(404);
    expect(held.body.error.code).toBe('NOT_FOUND');
    const ordered = await direct(customer, [{ productId: product.id, quantity: 1 }]);
    expect(ordered.statusCode).toBe(404);
    // From the cart (issue 12 item 8): 409 naming the product, nothing written.
    const checkout = await place(customer, { shippingAddress: address });
    expect(checkout.statusCode).toBe(409);
    expect(checkout.body.error).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', details: { productId: product.id, name: product.name } });
    expect(checkout.body.error.message).toContain(product.name);
    expect(await stockOf(product.id)).toBe(4);
    // Releasing the existing hold still returns its unit.
    expect((await removeLine(customer, product.id)).statusCode).toBe(200);
    expect(await stockOf(product.id)).toBe(5);
    expect((await setLine(customer, 'no-such-product', 1)).statusCode).toBe(404);
    expect((await direct(customer, [{ productId: 'no-such-product', quantity: 1 }])).statusCode).toBe(404);
  });

  it('GET /cart drops a line whose product was deleted, flags it under removedItems and releases its stock, once even when read 10 × at once; checkout then goes through (issue 12 item 8)', async () => {
    const kept = await newProduct(10, 300, 'Kept');
    const gone = await newProduct(10, 500, 'Gone');
    const customer = await newCustomer('cart-deleted');
    await setLine(customer, kept.id, 2);
    await setLine(customer, gone.id, 3);
    await repo.softDeleteProduct(gone.id);
    expect(await stockOf(gone.id)).toBe(7);
    const reads = await Promise.all(Array.from({ length: 10 }, () => getCart(customer)));
    for (const read of reads) {
      expect(read.statusCode).toBe(200);
      expect(read.body.items.map((line: { productId: string }) => line.productId)).toEqual([kept.id]);
      expect(read.body.total).toBe(600);
    }
    // Every read flags it (it was unavailable when each read it); the stock came back exactly once.
    expect(reads.filter((read) => read.body.removedItems.length === 1).length).toBeGreaterThanOrEqual(1);
    expect(reads[0]!.body.removedItems).toEqual([{ productId: gone.id, name: gone.name, quantity: 3, reason: 'product_unavailable' }]);
    expect(await stockOf(gone.id)).toBe(10);
    expect(await repo.cartHolds(customer.id)).toEqual([expect.objectContaining({ productId: kept.id, quantity: 2 })]);
    expect((await getCart(customer)).body.removedItems).toEqual([]);
    const order = await place(customer, { shippingAddress: address });
    expect(order.statusCode, JSON.stringify(order.body)).toBe(201);
    expect(order.body.items).toEqual([expect.objectContaining({ productId: kept.id, quantity: 2 })]);
  });

  it('duplicate lines of a direct order are merged; a line short of stock names its product and availability', async () => {
    const a = await newProduct(10, 100, 'Alpha');
    const b = await newProduct(2, 200, 'Beta');
    const customer = await newCustomer();
    const merged = await direct(customer, [{ productId: a.id, quantity: 2 }, { productId: a.id, quantity: 3 }]);
    expect(merged.body.items).toEqual([expect.objectContaining({ productId: a.id, quantity: 5, lineTotal: 500 })]);
    const short = await direct(customer, [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 3 }]);
    expect(short.statusCode).toBe(409);
    expect(short.body.error).toMatchObject({ code: 'OUT_OF_STOCK', details: { productId: b.id, available: 2 } });
    expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([5, 2]);
  });
});

describe('the cart cap and validation', () => {
  it('the 51st distinct line is a 409; quantity 0, 101 and 1.5 are 400; DELETE /cart releases all 50', async () => {
    const products = await Promise.all(Array.from({ length: 51 }, (_, i) => newProduct(3, 100 + i, `Cap${i}`)));
    const customer = await newCustomer('cap');
    for (const product of products.slice(0, 50)) expect((await setLine(customer, product.id, 1)).statusCode).toBe(200);
    const over = await setLine(customer, products[50]!.id, 1);
    expect(over.statusCode).toBe(409);
    expect(over.body.error.code).toBe('CONFLICT');
    expect(await stockOf(products[50]!.id)).toBe(3);
    // Changing an existing line is not a new line.
    expect((await setLine(customer, products[0]!.id, 2)).statusCode).toBe(200);
    for (const quantity of [0, 101, 1.5, '2']) {
      const bad = await setLine(customer, products[1]!.id, quantity);
      expect(bad.statusCode).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    }
    const unknownField = await invoke(h.setLine, apiEvent(routes.setCartLine, { token: customer.token, path: { productId: products[1]!.id }, body: { quantity: 1, unitPrice: 1 } }));
    expect(unknownField.statusCode).toBe(400);
    expect((await getCart(customer)).body.items).toHaveLength(50);

    const cleared = await invoke(h.clearCart, apiEvent(routes.clearCart, { token: customer.token }));
    expect(cleared.statusCode).toBe(204);
    expect(await repo.cartHolds(customer.id)).toEqual([]);
    expect(await Promise.all(products.map((p) => stockOf(p.id)))).toEqual(products.map(() => 3));
    // And the cap counts from zero again.
    expect((await setLine(customer, products[50]!.id, 1)).statusCode).toBe(200);
  }, 120_000);
});

describe('cancel and status changes', () => {
  it('two concurrent cancels: one 200, one 409 INVALID_TRANSITION; stock restored exactly once', async () => {
    const product = await newProduct(10);
    const customer = await newCustomer('canceller');
    const order = (await direct(customer, [{ productId: product.id, quantity: 3 }])).body;
    expect(await stockOf(product.id)).toBe(7);
    const results = await Promise.all([cancel(customer.token, order.id), cancel(customer.token, order.id)]);
    expect(statuses(results)).toEqual({ 200: 1, 409: 1 });
    expect(results.find((r) => r.statusCode === 409)!.body.error.code).toBe('INVALID_TRANSITION');
    const done = results.find((r) => r.statusCode === 200)!.body;
    expect(done.status).toBe('cancelled');
    expect(done.statusHistory.map((s: { status: string }) => s.status)).toEqual(['pending', 'cancelled']);
    expect(await stockOf(product.id)).toBe(10);

    // A customer and an admin racing: still once.
    const second = (await direct(customer, [{ productId: product.id, quantity: 4 }])).body;
    const race = await Promise.all([cancel(customer.token, second.id), cancel(admin.token, second.id), patchStatus(admin.token, second.id, 'cancelled')]);
    expect(statuses(race)).toEqual({ 200: 1, 409: 2 });
    expect(await stockOf(product.id)).toBe(10);
    expect((await repo.findOrder(second.id))!.stockOwned).toBe(false);
  });

  it('customers cancel only pending orders; admins also paid and processing; never shipped', async () => {
    const product = await newProduct(20);
    const customer = await newCustomer();
    const paid = (await direct(customer, [{ productId: product.id, quantity: 2 }])).body;
    await payInFull(paid.id, paid.total);
    const refused = await cancel(customer.token, paid.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'paid', to: 'cancelled' } });
    expect(await stockOf(product.id)).toBe(18);
    expect((await cancel(admin.token, paid.id)).body.status).toBe('cancelled');
    expect(await stockOf(product.id)).toBe(20);

    const processing = (await direct(customer, [{ productId: product.id, quantity: 1 }])).body;
    await payInFull(processing.id, processing.total);
    await patchStatus(admin.token, processing.id, 'processing');
    expect((await cancel(customer.token, processing.id)).statusCode).toBe(409);
    expect((await cancel(admin.token, processing.id)).statusCode).toBe(200);

    const shipped = (await direct(customer, [{ productId: product.id, quantity: 1 }])).body;
    await payInFull(shipped.id, shipped.total);
    await patchStatus(admin.token, shipped.id, 'shipped');
    expect((await cancel(admin.token, shipped.id)).statusCode).toBe(409);
    expect(await stockOf(product.id)).toBe(19);
  });

  it('paid only through a completed payment (issue 12 item 6): PATCH pending → paid is 409 INVALID_TRANSITION with a hint, nothing written; a recorded payment moves it', async () => {
    const product = await newProduct(5);
    const customer = await newCustomer();
    const order = (await direct(customer, [{ productId: product.id, quantity: 1 }])).body;
    const refused = await patchStatus(admin.token, order.id, 'paid', 'bank transfer received');
    expect(refused.statusCode).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'pending', to: 'paid', hint: expect.stringContaining('POST /orders/{id}/payments') } });
    expect(refused.body.error.message).toContain('record the payment');
    const unchanged = (await repo.findOrder(order.id))!;
    expect(unchanged).toMatchObject({ status: 'pending', paymentStatus: 'pending', amountPaid: 0 });
    expect(unchanged.statusHistory).toHaveLength(1);
    await payInFull(order.id, order.total);
    expect((await getOrder(customer.token, order.id)).body).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: order.total });
  });

  it('admin PATCH walks the happy path after the payment (statusHistory grows, with notes); illegal moves are 409; customers 403', async () => {
    const product = await newProduct(5);
    const customer = await newCustomer();
    const order = (await direct(customer, [{ productId: product.id, quantity: 1 }])).body;
    await payInFull(order.id, order.total);
    const path = ['processing', 'shipped', 'delivered'];
    for (const [i, status] of path.entries()) {
      const moved = await patchStatus(admin.token, order.id, status, `step ${i}`);
      expect(moved.statusCode, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body.status).toBe(status);
      expect(moved.body.statusHistory).toHaveLength(i + 3);
      expect(moved.body.statusHistory.at(-1)).toMatchObject({ status, by: admin.id, note: `step ${i}`, at: expect.any(String) });
    }
    const illegal = await patchStatus(admin.token, order.id, 'cancelled');
    expect(illegal.statusCode).toBe(409);
    expect(illegal.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'delivered', to: 'cancelled' } });
    const detail = await getOrder(customer.token, order.id);
    expect(detail.body.statusHistory.map((s: { status: string }) => s.status)).toEqual(['pending', 'paid', ...path]);
    // Delivered orders keep their stock (sold).
    expect(await stockOf(product.id)).toBe(4);

    const fresh = (await direct(customer, [{ productId: product.id, quantity: 1 }])).body;
    for (const status of ['paid', 'shipped', 'delivered', 'processing', 'pending', 'failed', 'pending_stock_rolledback', 'failed_stock_rolledback']) {
      const response = await patchStatus(admin.token, fresh.id, status);
      expect(response.statusCode, status).toBe(409);
      expect(response.body.error.code).toBe('INVALID_TRANSITION');
    }
    expect((await patchStatus(customer.token, fresh.id, 'cancelled')).statusCode).toBe(403);
    expect((await patchStatus(admin.token, 'no-such-order', 'paid')).statusCode).toBe(404);
    expect((await patchStatus(admin.token, fresh.id, 'teleported')).statusCode).toBe(400);
    expect((await getOrder(admin.token, fresh.id)).body.statusHistory).toHaveLength(1);
    expect(await stockOf(product.id)).toBe(3);
  });
});

describe('reading orders', () => {
  it('customers see only their own orders (GET /orders, GET /orders/{id}); another customer\'s order is 404', async () => {
    const product = await newProduct(20);
    const [ann, bob] = await Promise.all([newCustomer('ann'), newCustomer('bob')]);
    const annOrders: { id: string }[] = [];
    for (let i = 0; i < 3; i += 1) annOrders.push((await direct(ann, [{ productId: product.id, quantity: 1 }])).body);
    const bobOrder = (await direct(bob, [{ productId: product.id, quantity: 2 }])).body;

    const annList = await walkOrders(ann.token, { limit: '2' });
    expect(annList.map((o) => o.id)).toEqual(annOrders.map((o) => o.id).reverse());
    // A customer's userId query is ignored: still their own orders.
    expect((await walkOrders(ann.token, { userId: bob.id })).map((o) => o.id).sort()).toEqual(annOrders.map((o) => o.id).sort());
    expect((await walkOrders(bob.token, {})).map((o) => o.id)).toEqual([bobOrder.id]);

    const detail = await getOrder(ann.token, annOrders[0]!.id);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toMatchObject({ id: annOrders[0]!.id, userId: ann.id, payments: [], shipments: [] });
    expect(detail.body).not.toHaveProperty('stockOwned');
    expect(detail.body).not.toHaveProperty('requestHash');
    const hidden = await getOrder(bob.token, annOrders[0]!.id);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body.error.code).toBe('NOT_FOUND');
    expect((await cancel(bob.token, annOrders[0]!.id)).statusCode).toBe(404);
    expect((await getOrder(admin.token, annOrders[0]!.id)).statusCode).toBe(200);
    expect((await getOrder(ann.token, 'no-such-order')).statusCode).toBe(404);
    expect((await listOrders(ann.token, { limit: '0' })).statusCode).toBe(400);
    expect((await listOrders(ann.token, { status: 'lost' })).statusCode).toBe(400);
    expect(await stockOf(product.id)).toBe(15);
  });

  it('admin filters: userId, status (± userId), from/to; CSV export has a header and one row per order', async () => {
    const product = await newProduct(50);
    const [ann, bob] = await Promise.all([newCustomer('ann'), newCustomer('bob')]);
    const windowStart = new Date(Date.now() - 1).toISOString();
    const annPending = (await direct(ann, [{ productId: product.id, quantity: 1 }])).body;
    const annShipped = (await direct(ann, [{ productId: product.id, quantity: 2 }])).body;
    const bobShipped = (await direct(bob, [{ productId: product.id, quantity: 3 }])).body;
    const bobCancelled = (await direct(bob, [{ productId: product.id, quantity: 1 }])).body;
    for (const order of [annShipped, bobShipped]) {
      await payInFull(order.id, order.total);
      await patchStatus(admin.token, order.id, 'shipped');
    }
    await cancel(bob.token, bobCancelled.id);
    const windowEnd = new Date(Date.now() + 1).toISOString();
    const ids = (orders: { id: string }[]) => orders.map((o) => o.id).sort();

    expect(ids(await walkOrders(admin.token, { userId: ann.id }))).toEqual(ids([annPending, annShipped]));
    expect(ids(await walkOrders(admin.token, { userId: bob.id, status: 'cancelled' }))).toEqual([bobCancelled.id]);
    expect(ids(await walkOrders(admin.token, { userId: bob.id, status: 'pending' }))).toEqual([]);

    const shippedInWindow = await walkOrders(admin.token, { status: 'shipped', from: windowStart, to: windowEnd });
    expect(shippedInWindow.every((o) => o.status === 'shipped' && o.createdAt >= windowStart && o.createdAt <= windowEnd)).toBe(true);
    expect(ids(shippedInWindow.filter((o) => [ann.id, bob.id].includes(o.userId)))).toEqual(ids([annShipped, bobShipped]));

    const allInWindow = await walkOrders(admin.token, { from: windowStart, to: windowEnd, limit: '3' });
    expect(allInWindow.every((o) => o.createdAt >= windowStart && o.createdAt <= windowEnd)).toBe(true);
    expect(ids(allInWindow.filter((o) => [ann.id, bob.id].includes(o.userId)))).toEqual(ids([annPending, annShipped, bobShipped, bobCancelled]));
    // Newest first.
    const created = allInWindow.map((o) => o.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(await walkOrders(admin.token, { userId: ann.id, to: windowStart })).toEqual([]);
    expect(await walkOrders(admin.token, { userId: ann.id, from: windowEnd })).toEqual([]);

    const csv = await h.exportCsv(apiEvent(routes.exportOrders, { token: admin.token, query: { status: 'shipped', from: windowStart, to: windowEnd } }), {} as never);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers?.['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = csv.body!.trim().split('\n');
    expect(header).toBe('Order ID,Created at (UTC),Status,Payment status,Customer email,Customer name,Customer ID,Currency,Total,Amount paid,Amount due,Item count,Lines,Items,Ship to country');
    const byId = new Map(rows.map((row) => [row.split(',')[0]!, row.split(',')]));
    expect(byId.size).toBe(rows.length);
    expect(rows.every((row) => row.split(',')[2] === 'shipped')).toBe(true);
    // Customer email and name (one BatchGet per page), money in major units next to the currency.
    expect(byId.get(annShipped.id)).toEqual([annShipped.id, annShipped.createdAt, 'shipped', 'completed', ann.email, ann.name, ann.id, 'USD', '25.00', '25.00', '0.00', '2', '1', `2 × ${product.name}`, 'US']);
    expect(byId.get(bobShipped.id)?.slice(0, 7)).toEqual([bobShipped.id, bobShipped.createdAt, 'shipped', 'completed', bob.email, bob.name, bob.id]);
    expect(rows.filter((row) => [annPending.id, bobCancelled.id].includes(row.split(',')[0]!))).toEqual([]);

    const forbidden = await invoke(h.exportCsv, apiEvent(routes.exportOrders, { token: ann.token }));
    expect(forbidden.statusCode).toBe(403);
  });
});

describe('an ended session on the routes whose session lookup joins their first read (issue 13)', () => {
  it('40 parallel cart and order requests after logout: every one 401, nothing held, taken or ordered; a disabled user likewise', async () => {
    const { verifyAccessToken } = await import('../../shared/auth/tokens.js');
    const { revokeFamily } = await import('../../shared/auth/sessions.js');
    const customer = await newCustomer('ended');
    const product = await newProduct(10);
    expect((await setLine(customer, product.id, 2)).statusCode).toBe(200);
    const ordered = await direct(customer, [{ productId: product.id, quantity: 1 }]);
    expect(ordered.statusCode).toBe(201);
    expect(await stockOf(product.id)).toBe(7);

    await revokeFamily((await verifyAccessToken(customer.token)).familyId);
    const requests = Array.from({ length: 40 }, (_, i) =>
      [
        () => getCart(customer),
        () => setLine(customer, product.id, 5),
        () => removeLine(customer, product.id),
        () => invoke(h.clearCart, apiEvent(routes.clearCart, { token: customer.token })),
        () => place(customer, { shippingAddress: address }),
        () => direct(customer, [{ productId: product.id, quantity: 1 }], `ended-${i}`),
        // Bad input too: a 400 must not tell an ended session anything either.
        () => setLine(customer, product.id, -1),
        () => direct(customer, [{ productId: 'no-such-product', quantity: 1 }]),
      ][i % 8]!(),
    );
    const answers = await Promise.all(requests);
    expect(answers.map((answer) => answer.statusCode)).toEqual(answers.map(() => 401));
    for (const answer of answers) expect(answer.body.error.code).toBe('UNAUTHORIZED');
    expect(await stockOf(product.id)).toBe(7);
    expect((await repo.cartHolds(customer.id)).map((hold) => hold.quantity)).toEqual([2]);
    expect((await walkOrders(admin.token, { userId: customer.id })).map((order) => order.id)).toEqual([ordered.body.id]);

    // A disabled account: the same through a fresh session.
    const { createUser } = await import('../../shared/users/user-repository.js');
    const { startSession } = await import('../../shared/auth/sessions.js');
    const other = await createUser({ email: `disabled-${tag}-${randomUUID().slice(0, 8)}@example.com`, name: `disabled ${tag}`, passwordHash: 'unused', role: 'customer' });
    const token = (await startSession(other)).accessToken;
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await db.send(new UpdateCommand({ TableName: tableName, Key: { pk: `USER#${other.id}`, sk: 'PROFILE' }, UpdateExpression: 'SET disabled = :true', ExpressionAttributeValues: { ':true': true } }));
    const who = { id: other.id, token, email: other.email, name: other.name };
    const refused = await Promise.all([setLine(who, product.id, 1), direct(who, [{ productId: product.id, quantity: 1 }]), getCart(who)]);
    expect(refused.map((answer) => answer.statusCode)).toEqual([401, 401, 401]);
    expect(await stockOf(product.id)).toBe(7);
  });
});

describe('orders placed without a read (product snapshots; the session checked inside the transaction)', () => {
  it('through the conflict proxy: 40 parallel orders by one customer and 40 parallel profile changes of the same customer: no 5xx, the cap holds, every profile change lands', async () => {
    const { fetchConflictProxyStats, resetConflictProxyStats } = await import('../support/conflict-proxy-stats.js');
    const updateMe = (await import('../../functions/me/update.js')).handler;
    const { maxUnpaidOrders } = await import('../../shared/orders/order-repository.js');
    const customer = await newCustomer('snap');
    const product = await newProduct(200, 900, 'Snapshot');
    // The first order reads the product (and so remembers it); the rest take stock on the snapshot.
    expect((await direct(customer, [{ productId: product.id, quantity: 1 }])).statusCode).toBe(201);
    await resetConflictProxyStats();
    const [orders, renames] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, () => direct(customer, [{ productId: product.id, quantity: 1 }]))),
      Promise.all(Array.from({ length: 40 }, (_, i) => invoke(updateMe, apiEvent(routes.updateMe, { token: customer.token, body: { name: `Renamed ${i}` } })))),
    ]);
    const stats = await fetchConflictProxyStats();
    const statuses = orders.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status >= 500), JSON.stringify(orders.filter((o) => o.statusCode >= 500).map((o) => o.body))).toEqual([]);
    expect(statuses.filter((status) => status === 201)).toHaveLength(maxUnpaidOrders - 1);
    for (const refused of orders.filter((answer) => answer.statusCode !== 201)) expect(refused.body.error.code).toBe('TOO_MANY_UNPAID_ORDERS');
    expect(renames.map((answer) => answer.statusCode)).toEqual(renames.map(() => 200));
    expect(await stockOf(product.id)).toBe(200 - maxUnpaidOrders);
    // Not vacuous: the orders' transactions did hold the profile while it was being renamed.
    expect(stats.transactions).toBeGreaterThanOrEqual(maxUnpaidOrders - 1);
    console.log(`[snapshots] conflicts: ${stats.transactionConflicts} transactions, ${stats.singleWriteConflicts} single writes retried`);
  });

  it('through the conflict proxy: refreshes during 40 parallel orders of the same session rotate every time (their single writes retried), no 5xx', async () => {
    const { fetchConflictProxyStats, resetConflictProxyStats } = await import('../support/conflict-proxy-stats.js');
    const refresh = (await import('../../functions/auth/refresh.js')).handler;
    const { createUser } = await import('../../shared/users/user-repository.js');
    const { startSession } = await import('../../shared/auth/sessions.js');
    const user = await createUser({ email: `snap-refresh-${tag}-${randomUUID().slice(0, 8)}@example.com`, name: `refresh ${tag}`, passwordHash: 'unused', role: 'customer' });
    const session = await startSession(user);
    const customer = { id: user.id, token: session.accessToken, email: user.email, name: user.name };
    const product = await newProduct(200, 900, 'Snapshot');
    expect((await direct(customer, [{ productId: product.id, quantity: 1 }])).statusCode).toBe(201);
    await resetConflictProxyStats();
    let refreshToken = session.refreshToken;
    const rotations: number[] = [];
    const orders = Promise.all(Array.from({ length: 40 }, () => direct(customer, [{ productId: product.id, quantity: 1 }])));
    // A client refreshing in the background while its orders are in flight: one after another.
    for (let i = 0; i < 10; i += 1) {
      const rotated = await invoke(refresh, apiEvent(routes.refresh, { body: { refreshToken } }));
      rotations.push(rotated.statusCode);
      if (rotated.statusCode === 200) refreshToken = rotated.body.refreshToken;
    }
    const answers = await orders;
    const stats = await fetchConflictProxyStats();
    expect(rotations).toEqual(rotations.map(() => 200));
    expect(answers.filter((answer) => answer.statusCode >= 500)).toEqual([]);
    expect(answers.every((answer) => answer.statusCode === 201 || answer.body.error.code === 'TOO_MANY_UNPAID_ORDERS')).toBe(true);
    console.log(`[snapshots] refresh during orders: ${stats.singleWriteConflicts} single writes answered TransactionConflictException and retried`);
  });

  it('an order after logout, on a warm snapshot: 401 from the ConditionCheck, nothing taken', async () => {
    const { verifyAccessToken } = await import('../../shared/auth/tokens.js');
    const { revokeFamily } = await import('../../shared/auth/sessions.js');
    const customer = await newCustomer('snap-out');
    const product = await newProduct(10, 900, 'Snapshot');
    expect((await direct(customer, [{ productId: product.id, quantity: 1 }])).statusCode).toBe(201);
    await revokeFamily((await verifyAccessToken(customer.token)).familyId);
    const refused = await Promise.all(Array.from({ length: 40 }, () => direct(customer, [{ productId: product.id, quantity: 1 }])));
    expect(refused.map((answer) => answer.statusCode)).toEqual(refused.map(() => 401));
    expect(await stockOf(product.id)).toBe(9);
  });
});
