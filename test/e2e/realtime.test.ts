/**
 * API.md "Real-time" over real WebSockets against the local stack (or WEBSOCKET_URL with
 * API_URL): customers see their own orders change and nothing else (how fast is measured by
 * `npm run bench:realtime`, not asserted here: the project times things in benchmarks only), admins see every order (their own once), bad tokens are
 * refused at connect, logout, a password change and a password reset close sockets,
 * ping/pong, and 100 concurrent sockets each get exactly their messages once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForEmails } from '../support/mail-store.js';
import { connectRealtime, type RealtimeClient, type ReceivedMessage } from '../support/realtime-client.js';
import { adminToken, api, registerUser, target } from './client.js';

const websocketUrl = target.websocketUrl;
const tag = `rt${crypto.randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
type Customer = Awaited<ReturnType<typeof registerUser>>;

let admin: string;
let productIds: string[];
const open: RealtimeClient[] = [];
const connect = async (token: string | undefined) => {
  const client = await connectRealtime(websocketUrl!, token);
  open.push(client);
  return client;
};
const about = (orderId: string, type = 'order.updated') => (data: ReceivedMessage['data']) => data.type === type && data.order?.id === orderId;
/** Messages still in flight have time to arrive before "exactly" is asserted. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

async function placeOrder(customer: Customer, productId = productIds[0]!) {
  const placed = await api('POST', '/orders', { token: customer.accessToken, body: { shippingAddress: address, items: [{ productId, quantity: 1 }] } });
  if (placed.status !== 201) throw new Error(`order failed: ${placed.status} ${placed.text}`);
  return placed.body as { id: string; total: number };
}

beforeAll(async () => {
  admin = await adminToken();
  productIds = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const created = await api('POST', '/products', { token: admin, body: { name: `Live ${tag} ${i}`, price: 500, stock: 1_000, category: `cat-${tag}` } });
      return created.body.id as string;
    }),
  );
});

afterAll(() => {
  for (const client of open) client.close();
});

describe.skipIf(!websocketUrl)('real-time over WebSocket', () => {
  it('a customer sees their order go placed → paid → shipped, never another customer’s; an admin sees every order', async () => {
    const [ann, bob] = await Promise.all([registerUser('rt-ann'), registerUser('rt-bob')]);
    const [annSocket, bobSocket, adminSocket] = await Promise.all([connect(ann.accessToken), connect(bob.accessToken), connect(admin)]);

    const order = await placeOrder(ann);
    const bobsOrder = await placeOrder(bob);
    const placed = await annSocket.next(about(order.id));
    expect(placed.data.order).toMatchObject({ id: order.id, userId: ann.user.id, status: 'pending', paymentStatus: 'pending' });
    await adminSocket.next(about(order.id, 'order.created'));
    await adminSocket.next(about(bobsOrder.id, 'order.created'));

    const payment = await api('POST', `/orders/${order.id}/payments`, { token: admin, body: { amount: order.total, method: 'cash' } });
    expect(payment.status).toBe(201);
    const paid = await annSocket.next((data) => about(order.id)(data) && data.order?.status === 'paid');
    expect(paid.data.order?.paymentStatus).toBe('completed');
    await adminSocket.next((data) => about(order.id)(data) && data.order?.status === 'paid');

    const trackingNumber = `${tag}${crypto.randomUUID().slice(0, 8)}`.toUpperCase();
    const shipping = await api('POST', '/shipments', { token: admin, body: { orderId: order.id, carrier: 'UPS', trackingNumber } });
    expect(shipping.status).toBe(201);
    await annSocket.next((data) => about(order.id)(data) && data.order?.status === 'shipped');
    const ofShipment = (data: ReceivedMessage['data']) => about(order.id)(data) && (data.shipment as { trackingNumber?: string } | undefined)?.trackingNumber === trackingNumber;
    const withShipment = await annSocket.next(ofShipment);
    expect(withShipment.data.shipment).toMatchObject({ carrier: 'UPS', status: 'label_created' });
    // The admin sees the shipment too, with the order as it is now.
    const adminsShipment = await adminSocket.next(ofShipment);
    expect(adminsShipment.data).toMatchObject({ order: { id: order.id, status: 'shipped' }, shipment: { carrier: 'UPS', trackingNumber } });

    await settle();
    // Ann's socket carried Ann's order only; Bob's socket Bob's order only.
    expect(new Set(annSocket.messages.map((m) => m.data.order?.id))).toEqual(new Set([order.id]));
    expect(annSocket.messages.every((m) => m.data.order?.userId === ann.user.id)).toBe(true);
    expect(bobSocket.messages.map((m) => m.data.order?.id)).toEqual([bobsOrder.id]);
    expect(annSocket.messages.some((m) => m.data.type === 'order.created')).toBe(false);
    // In the order of the changes: pending, paid, shipped.
    const statuses = annSocket.messages.map((m) => m.data.order!.status);
    expect(statuses.indexOf('pending')).toBeLessThan(statuses.indexOf('paid'));
    expect(statuses.indexOf('paid')).toBeLessThan(statuses.indexOf('shipped'));
  });

  it('admins get stock.low when a product falls below its threshold', async () => {
    const adminSocket = await connect(admin);
    const product = (await api('POST', '/products', { token: admin, body: { name: `Low ${tag}`, price: 500, stock: 6, lowStockThreshold: 5, category: `cat-${tag}` } })).body;
    const customer = await registerUser('rt-low');
    const customerSocket = await connect(customer.accessToken);
    await placeOrder(customer, product.id);
    await placeOrder(customer, product.id);
    const low = await adminSocket.next((data) => data.type === 'stock.low' && data.product?.id === product.id);
    expect(low.data.product).toMatchObject({ id: product.id, stock: 4, lowStockThreshold: 5 });
    await settle();
    expect(adminSocket.messages.filter((m) => m.data.type === 'stock.low' && m.data.product?.id === product.id)).toHaveLength(1);
    expect(customerSocket.messages.some((m) => m.data.type === 'stock.low')).toBe(false);
  });

  it('refuses a missing, malformed, foreign-signed or revoked token at connect (401)', async () => {
    const customer = await registerUser('rt-refused');
    await expect(connectRealtime(websocketUrl!, undefined)).rejects.toThrow('refused: 401');
    await expect(connectRealtime(websocketUrl!, 'not-a-token')).rejects.toThrow('refused: 401');
    const [header, payload] = customer.accessToken.split('.');
    await expect(connectRealtime(websocketUrl!, `${header}.${payload}.${'A'.repeat(43)}`)).rejects.toThrow('refused: 401');
    expect((await api('POST', '/auth/logout', { token: customer.accessToken })).status).toBe(204);
    await expect(connectRealtime(websocketUrl!, customer.accessToken)).rejects.toThrow('refused: 401');
  });

  it('logout closes that user’s sockets (API.md), other sessions’ too; their valid tokens may reconnect; ping answers pong', async () => {
    const customer = await registerUser('rt-logout');
    const other = await api('POST', '/auth/login', { body: { email: customer.email, password: customer.password } });
    const [socket, otherSocket] = await Promise.all([connect(customer.accessToken), connect(other.body.accessToken)]);
    socket.send({ action: 'ping' });
    expect((await socket.next((data) => data.type === 'pong')).data).toEqual({ type: 'pong' });
    socket.send({ action: 'shout' });
    expect((await socket.next((data) => data.type === 'error')).data).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });

    expect((await api('POST', '/auth/logout', { token: customer.accessToken })).status).toBe(204);
    expect(await socket.closed).toBe(1000);
    expect(await otherSocket.closed).toBe(1000);
    // The logged-out token is refused; the other session's is still valid and reconnects.
    await expect(connectRealtime(websocketUrl!, customer.accessToken)).rejects.toThrow('refused: 401');
    const again = await connect(other.body.accessToken);
    const order = await placeOrder({ ...customer, accessToken: other.body.accessToken });
    await again.next(about(order.id));
  });

  it('a password change closes the user’s other socket, a password reset closes the socket, and their old tokens are refused at connect', async () => {
    const customer = await registerUser('rt-password');
    const other = await api('POST', '/auth/login', { body: { email: customer.email, password: customer.password } });
    const otherSocket = await connect(other.body.accessToken);
    const changed = await api('PATCH', '/me', { token: customer.accessToken, body: { currentPassword: customer.password, newPassword: 'a changed password' } });
    expect(changed.status).toBe(200);
    expect(await otherSocket.closed).toBe(1000);
    await expect(connectRealtime(websocketUrl!, other.body.accessToken)).rejects.toThrow('refused: 401');
    await expect(connectRealtime(websocketUrl!, customer.accessToken)).rejects.toThrow('refused: 401');

    const mailStore = target.sesStoreUrl;
    if (!mailStore) return; // a deployed target: its mail is not readable from here
    const session = await api('POST', '/auth/login', { body: { email: customer.email, password: 'a changed password' } });
    expect(session.status).toBe(200);
    const socket = await connect(session.body.accessToken);
    expect((await api('POST', '/auth/password/forgot', { body: { email: customer.email } })).status).toBe(202);
    const resetMail = async () => (await waitForEmails(mailStore, customer.email, 2)).find((mail) => mail.subject === 'Reset your password');
    await expect.poll(resetMail, { timeout: 15_000 }).toBeDefined();
    const token = new URL(/(http\S+reset-password\?token=\S+)/.exec((await resetMail())!.body.text!)![1]!).searchParams.get('token')!;
    expect((await api('POST', '/auth/password/reset', { body: { token, password: 'a reset password' } })).status).toBe(204);
    expect(await socket.closed).toBe(1000);
    await expect(connectRealtime(websocketUrl!, session.body.accessToken)).rejects.toThrow('refused: 401');
  });

  it('an admin who places an order gets each of its messages once per socket', async () => {
    const me = (await api('GET', '/me', { token: admin })).body as { id: string };
    const adminSocket = await connect(admin);
    const order = await placeOrder({ accessToken: admin } as Customer);
    await adminSocket.next(about(order.id));
    await adminSocket.next(about(order.id, 'order.created'));
    await settle();
    const own = adminSocket.messages.filter((m) => m.data.order?.id === order.id);
    expect(own.map((m) => m.data.type).sort()).toEqual(['order.created', 'order.updated']);
    expect(own.every((m) => m.data.order?.userId === me.id)).toBe(true);
  });

  it('disabling a user and a role change close their sockets', async () => {
    const [disabled, promoted] = await Promise.all([registerUser('rt-disabled'), registerUser('rt-promoted')]);
    const [disabledSocket, promotedSocket] = await Promise.all([connect(disabled.accessToken), connect(promoted.accessToken)]);
    expect((await api('PATCH', `/users/${disabled.user.id}`, { token: admin, body: { disabled: true } })).status).toBe(200);
    expect((await api('PATCH', `/users/${promoted.user.id}`, { token: admin, body: { role: 'admin' } })).status).toBe(200);
    expect(await disabledSocket.closed).toBe(1000);
    expect(await promotedSocket.closed).toBe(1000);
  });

  it('100 concurrent sockets each get exactly their own order’s messages, once', async () => {
    const customers: Customer[] = [];
    for (let i = 0; i < 100; i += 25) customers.push(...(await Promise.all(Array.from({ length: 25 }, (_, j) => registerUser(`rt-many-${i + j}`)))));
    const sockets = await Promise.all(customers.map((customer) => connect(customer.accessToken)));
    const adminSocket = await connect(admin);
    const orders = await Promise.all(customers.map((customer, i) => placeOrder(customer, productIds[i % productIds.length])));
    await Promise.all(sockets.map((socket, i) => socket.next(about(orders[i]!.id))));
    await Promise.all(orders.map((order) => adminSocket.next(about(order.id, 'order.created'))));
    await settle();
    sockets.forEach((socket, i) => {
      expect(socket.messages.map((m) => `${m.data.type} ${m.data.order?.id}`), `socket ${i}`).toEqual([`order.updated ${orders[i]!.id}`]);
    });
    for (const order of orders) {
      expect(adminSocket.messages.filter((m) => m.data.order?.id === order.id).map((m) => m.data.type).sort()).toEqual(['order.created', 'order.updated']);
    }
  }, 120_000);
});
