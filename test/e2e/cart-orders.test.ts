/**
 * Every endpoint and error of API.md "Cart" and "Orders" over HTTP, against the local stack
 * (or API_URL). Stock is read back through the admin's GET /products/{id} (admins bypass the
 * public cache). Order emails are read from the SES store when the target has one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { waitForEmails } from '../support/mail-store.js';
import { adminToken, api, expectError, registerUser, target } from './client.js';

const mailStore = target.sesStoreUrl;
const tag = `e2e${crypto.randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };

let admin: string;
type Customer = Awaited<ReturnType<typeof registerUser>>;
let ann: Customer;
let bob: Customer;

beforeAll(async () => {
  admin = await adminToken();
  [ann, bob] = await Promise.all([registerUser('cart-ann'), registerUser('cart-bob')]);
});

async function createProduct(name: string, price: number, stock: number) {
  const response = await api('POST', '/products', { token: admin, body: { name: `${name} ${tag}`, price, stock, category: `cat-${tag}` } });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${response.text}`);
  return response.body as { id: string; name: string; price: number; stock: number };
}
const stockOf = async (id: string) => (await api('GET', `/products/${id}`, { token: admin })).body.stock as number;
const putLine = (token: string, productId: string, body: unknown) => api('PUT', `/cart/items/${productId}`, { token, body });
const placeOrder = (token: string, body: unknown, idempotencyKey?: string) =>
  api('POST', '/orders', { token, body, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) });

describe('cart over HTTP', () => {
  it('GET /cart: empty at first; 401 anonymous', async () => {
    const customer = await registerUser('cart-empty');
    const cart = await api('GET', '/cart', { token: customer.accessToken });
    expect(cart.status).toBe(200);
    expect(cart.body).toEqual({ items: [], total: 0, currency: 'usd', removedItems: [] });
    expectError(await api('GET', '/cart'), 401, 'UNAUTHORIZED');
  });

  it('a product deleted after it was held (issue 12 item 8): checkout 409 PRODUCT_UNAVAILABLE naming it; GET /cart drops and flags the line, its stock comes back; then checkout works', async () => {
    const customer = await registerUser('cart-deleted');
    const kept = await createProduct('Kept mug', 700, 5);
    const gone = await createProduct('Discontinued mug', 900, 5);
    await putLine(customer.accessToken, kept.id, { quantity: 1 });
    await putLine(customer.accessToken, gone.id, { quantity: 2 });
    expect((await api('DELETE', `/products/${gone.id}`, { token: admin })).status).toBe(204);
    const refused = expectError(await placeOrder(customer.accessToken, { shippingAddress: address }), 409, 'PRODUCT_UNAVAILABLE');
    expect(refused.message).toContain(gone.name);
    expect(refused.details).toEqual({ productId: gone.id, name: gone.name });
    const cart = await api('GET', '/cart', { token: customer.accessToken });
    expect(cart.body).toMatchObject({ total: 700, items: [expect.objectContaining({ productId: kept.id })], removedItems: [{ productId: gone.id, name: gone.name, quantity: 2, reason: 'product_unavailable' }] });
    expect((await api('GET', `/products/${gone.id}`, { token: admin })).body.stock).toBe(5);
    expect((await api('GET', '/cart', { token: customer.accessToken })).body.removedItems).toEqual([]);
    const order = await placeOrder(customer.accessToken, { shippingAddress: address });
    expect(order.status).toBe(201);
    expect(order.body.total).toBe(700);
  });

  it('PUT /cart/items/{id}: holds the quantity, reserving or releasing only the difference; renews the hold', async () => {
    const mug = await createProduct('Mug', 1999, 10);
    const first = await putLine(ann.accessToken, mug.id, { quantity: 2 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      items: [{ productId: mug.id, name: mug.name, quantity: 2, unitPrice: 1999, lineTotal: 3998, expiresAt: expect.any(String) }],
      total: 3998,
      currency: 'usd',
      removedItems: [],
    });
    const expiresIn = Date.parse(first.body.items[0].expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    expect(await stockOf(mug.id)).toBe(8);
    expect((await putLine(ann.accessToken, mug.id, { quantity: 5 })).body.total).toBe(5 * 1999);
    expect(await stockOf(mug.id)).toBe(5);
    const lowered = await putLine(ann.accessToken, mug.id, { quantity: 1 });
    expect(lowered.body.items[0]).toMatchObject({ quantity: 1, lineTotal: 1999 });
    expect(Date.parse(lowered.body.items[0].expiresAt)).toBeGreaterThanOrEqual(Date.parse(first.body.items[0].expiresAt));
    expect(await stockOf(mug.id)).toBe(9);
    expect((await api('GET', '/cart', { token: ann.accessToken })).body.items.map((i: { productId: string }) => i.productId)).toContain(mug.id);
    // Another customer's cart is their own.
    expect((await api('GET', '/cart', { token: bob.accessToken })).body.items.map((i: { productId: string }) => i.productId)).not.toContain(mug.id);
    await api('DELETE', '/cart', { token: ann.accessToken });
  });

  it('PUT: 409 OUT_OF_STOCK with details.available; 404 unknown product; 400 for bad quantities, unknown fields, prices; 401 anonymous', async () => {
    const lamp = await createProduct('Lamp', 4500, 3);
    const refused = expectError(await putLine(bob.accessToken, lamp.id, { quantity: 4 }), 409, 'OUT_OF_STOCK');
    expect(refused.details).toMatchObject({ productId: lamp.id, available: 3 });
    expect(refused.message).toContain(lamp.name);
    expectError(await putLine(bob.accessToken, 'does-not-exist', { quantity: 1 }), 404, 'NOT_FOUND');
    for (const body of [{ quantity: 0 }, { quantity: 101 }, { quantity: 1.5 }, { quantity: '1' }, {}, { quantity: 1, unitPrice: 1 }, { quantity: 1, price: 1 }]) {
      const error = expectError(await putLine(bob.accessToken, lamp.id, body), 400, 'VALIDATION_ERROR');
      expect(error.details.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringMatching(/^body/) })]));
    }
    expectError(await putLine(bob.accessToken, lamp.id, undefined), 400, 'VALIDATION_ERROR');
    expectError(await api('PUT', `/cart/items/${lamp.id}`, { body: { quantity: 1 } }), 401, 'UNAUTHORIZED');
    expect(await stockOf(lamp.id)).toBe(3);
  });

  it('DELETE /cart/items/{id}: 200 cart, stock released; DELETE /cart: 204, everything released; 401 anonymous', async () => {
    const customer = await registerUser('cart-delete');
    const [a, b] = await Promise.all([createProduct('Alpha', 100, 5), createProduct('Beta', 200, 5)]);
    await putLine(customer.accessToken, a.id, { quantity: 2 });
    await putLine(customer.accessToken, b.id, { quantity: 3 });
    const removed = await api('DELETE', `/cart/items/${a.id}`, { token: customer.accessToken });
    expect(removed.status).toBe(200);
    expect(removed.body.items.map((i: { productId: string }) => i.productId)).toEqual([b.id]);
    expect(removed.body.total).toBe(600);
    expect(await stockOf(a.id)).toBe(5);
    // Removing a line that is not there is still a 200 with the cart.
    expect((await api('DELETE', `/cart/items/${a.id}`, { token: customer.accessToken })).status).toBe(200);
    await putLine(customer.accessToken, a.id, { quantity: 1 });
    const cleared = await api('DELETE', '/cart', { token: customer.accessToken });
    expect(cleared.status).toBe(204);
    expect(cleared.text).toBe('');
    expect((await api('GET', '/cart', { token: customer.accessToken })).body.items).toEqual([]);
    expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([5, 5]);
    expectError(await api('DELETE', `/cart/items/${a.id}`), 401, 'UNAUTHORIZED');
    expectError(await api('DELETE', '/cart'), 401, 'UNAUTHORIZED');
  });
});

describe('orders over HTTP', () => {
  it('POST /orders from the cart: 201 pending/pending at server prices, the holds move into the order, the cart is empty; email received', async () => {
    const customer = await registerUser('order-cart');
    const [mug, lamp] = await Promise.all([createProduct('Mug', 1999, 10), createProduct('Lamp', 4500, 4)]);
    await putLine(customer.accessToken, mug.id, { quantity: 2 });
    await putLine(customer.accessToken, lamp.id, { quantity: 1 });
    const placed = await placeOrder(customer.accessToken, { shippingAddress: address });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      id: expect.any(String),
      userId: customer.user.id,
      status: 'pending',
      paymentStatus: 'pending',
      total: 2 * 1999 + 4500,
      amountPaid: 0,
      amountDue: 2 * 1999 + 4500,
      currency: 'usd',
      shippingAddress: { ...address, country: 'US' },
      statusHistory: [{ status: 'pending', at: expect.any(String), by: customer.user.id }],
    });
    expect(placed.body.items).toHaveLength(2);
    expect(placed.body.items).toEqual(
      expect.arrayContaining([
        { productId: mug.id, name: mug.name, unitPrice: 1999, quantity: 2, lineTotal: 3998 },
        { productId: lamp.id, name: lamp.name, unitPrice: 4500, quantity: 1, lineTotal: 4500 },
      ]),
    );
    expect((await api('GET', '/cart', { token: customer.accessToken })).body.items).toEqual([]);
    expect([await stockOf(mug.id), await stockOf(lamp.id)]).toEqual([8, 3]);
    expectError(await placeOrder(customer.accessToken, { shippingAddress: address }), 400, 'BAD_REQUEST');
    if (mailStore) {
      const emails = await waitForEmails(mailStore, customer.email.toLowerCase(), 2);
      expect(emails.map((e) => e.subject)).toContain(`We received your order ${placed.body.id}`);
    }
  });

  it('POST /orders with items: 201 at server prices; 400 for client prices, bad quantities, unknown fields, no address; 404; 409 with details.available; 401', async () => {
    const mug = await createProduct('Direct mug', 1250, 5);
    const placed = await placeOrder(ann.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: 2 }] });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'pending', paymentStatus: 'pending', total: 2500, amountDue: 2500, items: [{ productId: mug.id, unitPrice: 1250, quantity: 2, lineTotal: 2500 }] });
    expect(await stockOf(mug.id)).toBe(3);

    const bodies = [
      { shippingAddress: address, items: [{ productId: mug.id, quantity: 1, unitPrice: 1 }] },
      { shippingAddress: address, items: [{ productId: mug.id, quantity: 1 }], total: 1 },
      { shippingAddress: address, items: [{ productId: mug.id, quantity: 0 }] },
      { shippingAddress: address, items: [{ productId: mug.id, quantity: 101 }] },
      { shippingAddress: address, items: [{ productId: mug.id, quantity: 1.5 }] },
      { shippingAddress: address, items: [] },
      { shippingAddress: address, items: Array.from({ length: 99 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })) },
      { items: [{ productId: mug.id, quantity: 1 }] },
      { shippingAddress: { ...address, country: 'USA' }, items: [{ productId: mug.id, quantity: 1 }] },
    ];
    for (const body of bodies) expectError(await placeOrder(ann.accessToken, body), 400, 'VALIDATION_ERROR');
    expectError(await placeOrder(ann.accessToken, { shippingAddress: address, items: [{ productId: 'does-not-exist', quantity: 1 }] }), 404, 'NOT_FOUND');
    const short = expectError(await placeOrder(ann.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: 4 }] }), 409, 'OUT_OF_STOCK');
    expect(short.details).toMatchObject({ productId: mug.id, available: 3 });
    expectError(await api('POST', '/orders', { body: { shippingAddress: address, items: [{ productId: mug.id, quantity: 1 }] } }), 401, 'UNAUTHORIZED');
    expect(await stockOf(mug.id)).toBe(3);
  });

  it('Idempotency-Key: a replay answers with the same order and takes stock once; another body is 422', async () => {
    const mug = await createProduct('Keyed mug', 800, 6);
    const key = `e2e-${crypto.randomUUID()}`;
    const body = { shippingAddress: address, items: [{ productId: mug.id, quantity: 2 }] };
    const first = await placeOrder(ann.accessToken, body, key);
    const again = await placeOrder(ann.accessToken, body, key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body).toEqual(first.body);
    expect(await stockOf(mug.id)).toBe(4);
    const reused = expectError(await placeOrder(ann.accessToken, { ...body, items: [{ productId: mug.id, quantity: 1 }] }, key), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(reused.message).toEqual(expect.any(String));
    expect(await stockOf(mug.id)).toBe(4);
  });

  it('GET /orders: a customer sees only their own; GET /orders/{id}: detail with payments and shipments, 404 for another customer', async () => {
    const customer = await registerUser('order-reader');
    const mug = await createProduct('Read mug', 500, 10);
    const mine: { id: string }[] = [];
    for (let i = 0; i < 3; i += 1) mine.push((await placeOrder(customer.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: 1 }] })).body);
    const bobs = (await placeOrder(bob.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: 1 }] })).body;

    const page1 = await api('GET', '/orders?limit=2', { token: customer.accessToken });
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((o: { id: string }) => o.id)).toEqual([mine[2]!.id, mine[1]!.id]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await api('GET', `/orders?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`, { token: customer.accessToken });
    expect(page2.body).toMatchObject({ items: [expect.objectContaining({ id: mine[0]!.id })], nextCursor: null });
    const filtered = await api(`GET`, `/orders?status=pending&userId=${bob.user.id}`, { token: customer.accessToken });
    expect(filtered.body.items.every((o: { userId: string }) => o.userId === customer.user.id)).toBe(true);
    expectError(await api('GET', '/orders?status=lost', { token: customer.accessToken }), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/orders?cursor=tampered', { token: customer.accessToken }), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/orders'), 401, 'UNAUTHORIZED');

    const detail = await api('GET', `/orders/${mine[0]!.id}`, { token: customer.accessToken });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: mine[0]!.id, userId: customer.user.id, status: 'pending', payments: [], shipments: [], statusHistory: [expect.objectContaining({ status: 'pending' })] });
    expectError(await api('GET', `/orders/${bobs.id}`, { token: customer.accessToken }), 404, 'NOT_FOUND');
    expectError(await api('GET', '/orders/does-not-exist', { token: customer.accessToken }), 404, 'NOT_FOUND');
    expect((await api('GET', `/orders/${bobs.id}`, { token: admin })).status).toBe(200);
    // Admins filter by customer.
    const byUser = await api('GET', `/orders?userId=${customer.user.id}`, { token: admin });
    expect(byUser.body.items.map((o: { id: string }) => o.id)).toEqual(mine.map((o) => o.id).reverse());
  });

  it('POST /orders/{id}/cancel: 200 cancelled with stock returned, then 409 INVALID_TRANSITION; 404 for another customer; customers cancel only pending', async () => {
    const mug = await createProduct('Cancel mug', 500, 10);
    const order = (await placeOrder(ann.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: 3 }] })).body;
    expect(await stockOf(mug.id)).toBe(7);
    expectError(await api('POST', `/orders/${order.id}/cancel`, { token: bob.accessToken }), 404, 'NOT_FOUND');
    const cancelled = await api('POST', `/orders/${order.id}/cancel`, { token: ann.accessToken });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: order.id, status: 'cancelled' });
    expect(cancelled.body.statusHistory.map((s: { status: string }) => s.status)).toEqual(['pending', 'cancelled']);
    expect(await stockOf(mug.id)).toBe(10);
    const again = expectError(await api('POST', `/orders/${order.id}/cancel`, { token: ann.accessToken }), 409, 'INVALID_TRANSITION');
    expect(again.details).toMatchObject({ from: 'cancelled', to: 'cancelled' });
    expect(await stockOf(mug.id)).toBe(10);
    expectError(await api('POST', '/orders/does-not-exist/cancel', { token: ann.accessToken }), 404, 'NOT_FOUND');
    expectError(await api('POST', `/orders/${order.id}/cancel`), 401, 'UNAUTHORIZED');

    const paid = (await placeOrder(ann.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: 1 }] })).body;
    expect((await api('POST', `/orders/${paid.id}/payments`, { token: admin, body: { amount: paid.total, method: 'cash' } })).status).toBe(201);
    expectError(await api('POST', `/orders/${paid.id}/cancel`, { token: ann.accessToken }), 409, 'INVALID_TRANSITION');
    expect((await api('POST', `/orders/${paid.id}/cancel`, { token: admin })).body.status).toBe('cancelled');
    expect(await stockOf(mug.id)).toBe(10);
  });

  it('PATCH /orders/{id}/status: admin moves along the state machine (history grows, customer emailed); 409 illegal; 403 customer; 404; 400', async () => {
    const customer = await registerUser('order-status');
    const mug = await createProduct('Status mug', 500, 5);
    const order = (await placeOrder(customer.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: 1 }] })).body;
    // `paid` only through a completed payment (issue 12 item 6): by hand it is a 409 with a hint.
    const byHand = expectError(await api('PATCH', `/orders/${order.id}/status`, { token: admin, body: { status: 'paid', note: 'bank transfer received' } }), 409, 'INVALID_TRANSITION');
    expect(byHand.details).toMatchObject({ from: 'pending', to: 'paid', hint: expect.stringContaining('POST /orders/{id}/payments') });
    expect((await api('GET', `/orders/${order.id}`, { token: admin })).body).toMatchObject({ status: 'pending', paymentStatus: 'pending', amountPaid: 0 });
    expect((await api('POST', `/orders/${order.id}/payments`, { token: admin, body: { amount: order.total, method: 'bank_transfer', reference: 'bank transfer received' } })).status).toBe(201);
    const paid = await api('GET', `/orders/${order.id}`, { token: admin });
    expect(paid.body).toMatchObject({ status: 'paid', paymentStatus: 'completed', amountPaid: order.total });
    expect(paid.body.statusHistory).toEqual([
      expect.objectContaining({ status: 'pending' }),
      expect.objectContaining({ status: 'paid', at: expect.any(String), by: expect.any(String) }),
    ]);
    for (const [i, status] of ['processing', 'shipped', 'delivered'].entries()) {
      expect((await api('PATCH', `/orders/${order.id}/status`, { token: admin, body: { status, ...(i === 0 ? { note: 'packing today' } : {}) } })).body.status).toBe(status);
    }
    const illegal = expectError(await api('PATCH', `/orders/${order.id}/status`, { token: admin, body: { status: 'cancelled' } }), 409, 'INVALID_TRANSITION');
    expect(illegal.details).toMatchObject({ from: 'delivered', to: 'cancelled' });
    expectError(await api('PATCH', `/orders/${order.id}/status`, { token: customer.accessToken, body: { status: 'cancelled' } }), 403, 'FORBIDDEN');
    expectError(await api('PATCH', `/orders/${order.id}/status`, { body: { status: 'cancelled' } }), 401, 'UNAUTHORIZED');
    expectError(await api('PATCH', '/orders/does-not-exist/status', { token: admin, body: { status: 'paid' } }), 404, 'NOT_FOUND');
    expectError(await api('PATCH', `/orders/${order.id}/status`, { token: admin, body: { status: 'teleported' } }), 400, 'VALIDATION_ERROR');
    expectError(await api('PATCH', `/orders/${order.id}/status`, { token: admin, body: { status: 'paid', by: 'me' } }), 400, 'VALIDATION_ERROR');
    const history = (await api('GET', `/orders/${order.id}`, { token: customer.accessToken })).body.statusHistory;
    expect(history.map((s: { status: string }) => s.status)).toEqual(['pending', 'paid', 'processing', 'shipped', 'delivered']);
    if (mailStore) {
      // Order received + the payment confirmation + one email per status change (3).
      const emails = await waitForEmails(mailStore, customer.email.toLowerCase(), 6);
      const subjects = emails.map((e) => e.subject);
      expect(subjects).toContain(`We received your order ${order.id}`);
      expect(subjects.filter((s) => s.startsWith(`Order ${order.id} confirmed`))).toHaveLength(1);
      expect(subjects).toContain(`Your order ${order.id} is now delivered`);
      expect(emails.find((e) => e.subject.startsWith(`Your order ${order.id} is now`) && (e.body.text ?? '').includes('packing today'))).toBeDefined();
    }
  });

  it('GET /orders/export: text/csv with a header and one row per matching order; 403 customer; 401 anonymous', async () => {
    const customer = await registerUser('order-export');
    const mug = await createProduct('Export mug', 700, 10);
    const from = new Date(Date.now() - 1000).toISOString();
    const orders: { id: string }[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const order = (await placeOrder(customer.accessToken, { shippingAddress: address, items: [{ productId: mug.id, quantity: i }] })).body;
      await api('POST', `/orders/${order.id}/payments`, { token: admin, body: { amount: order.total, method: 'cash' } });
      await api('PATCH', `/orders/${order.id}/status`, { token: admin, body: { status: 'processing' } });
      orders.push(order);
    }
    const to = new Date(Date.now() + 1000).toISOString();
    const csv = await api('GET', `/orders/export?status=processing&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { token: admin });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = csv.text.trim().split('\n');
    expect(header).toBe('Order ID,Created at (UTC),Status,Payment status,Customer email,Customer name,Customer ID,Currency,Total,Amount paid,Amount due,Item count,Lines,Items,Ship to country');
    expect(rows.every((row) => row.split(',')[2] === 'processing')).toBe(true);
    const mine = rows.filter((row) => row.split(',')[6] === customer.user.id);
    expect(mine.map((row) => row.split(',')[0]).sort()).toEqual(orders.map((o) => o.id).sort());
    expect(mine.find((row) => row.startsWith(orders[2]!.id))!.split(',').slice(3)).toEqual(['completed', customer.email, 'E2E order-export', customer.user.id, 'USD', '21.00', '21.00', '0.00', '3', '1', `3 × ${mug.name}`, 'US']);
    expectError(await api('GET', '/orders/export', { token: customer.accessToken }), 403, 'FORBIDDEN');
    expectError(await api('GET', '/orders/export'), 401, 'UNAUTHORIZED');
    expectError(await api('GET', '/orders/export?status=lost', { token: admin }), 400, 'VALIDATION_ERROR');
  });
});
