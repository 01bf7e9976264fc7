/**
 * Shipments against DynamoDB Local through the handlers: tracking-number races, the first
 * shipment moving the order exactly once, delivery moving it to delivered, customer
 * isolation and pagination. Everything is tagged with this file's users and orders; events go
 * to a queue of this file's own, read back to count the emails each change would send.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const tag = `shp${randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
const sqs = new SQSClient({});
let queueUrl: string;

let h: {
  place: typeof import('../../functions/orders/place.js').handler;
  getOrder: typeof import('../../functions/orders/get.js').handler;
  changeStatus: typeof import('../../functions/orders/change-status.js').handler;
  pay: typeof import('../../functions/payments/record.js').handler;
  create: typeof import('../../functions/shipments/create.js').handler;
  list: typeof import('../../functions/shipments/list.js').handler;
  get: typeof import('../../functions/shipments/get.js').handler;
  update: typeof import('../../functions/shipments/update.js').handler;
};
let admin: { id: string; token: string };
let productId: string;

interface Customer {
  id: string;
  token: string;
}

beforeAll(async () => {
  ({ QueueUrl: queueUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: `shipments-it-${randomUUID()}` }))) as { QueueUrl: string });
  process.env.ORDER_EVENTS_QUEUE_URL = queueUrl;
  h = {
    place: (await import('../../functions/orders/place.js')).handler,
    getOrder: (await import('../../functions/orders/get.js')).handler,
    changeStatus: (await import('../../functions/orders/change-status.js')).handler,
    pay: (await import('../../functions/payments/record.js')).handler,
    create: (await import('../../functions/shipments/create.js')).handler,
    list: (await import('../../functions/shipments/list.js')).handler,
    get: (await import('../../functions/shipments/get.js')).handler,
    update: (await import('../../functions/shipments/update.js')).handler,
  };
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  const { startSession } = await import('../../shared/auth/sessions.js');
  const adminUser = await ensureAdmin({ email: `shipments-admin-${tag}@example.com`, password: 'admin-password' });
  admin = { id: adminUser.id, token: (await startSession(adminUser)).accessToken };
  const { createProduct } = await import('../../shared/products/product-repository.js');
  productId = (await createProduct({ name: `Parcel ${tag}`, description: '', price: 900, currency: 'usd', stock: 1000, lowStockThreshold: 1 })).id;
});

async function newCustomer(label = 'customer'): Promise<Customer> {
  const { createUser } = await import('../../shared/users/user-repository.js');
  const { startSession } = await import('../../shared/auth/sessions.js');
  const user = await createUser({ email: `${label}-${tag}-${randomUUID().slice(0, 8)}@example.com`, name: `${label} ${tag}`, passwordHash: 'unused', role: 'customer' });
  return { id: user.id, token: (await startSession(user)).accessToken };
}

/** A placed order, paid in full by a recorded payment (`paid`), then moved by the admin (`processing`). */
async function orderIn(who: Customer, status: 'pending' | 'paid' | 'processing' = 'paid'): Promise<string> {
  const placed = await invoke(h.place, apiEvent(routes.placeOrder, { token: who.token, body: { shippingAddress: address, items: [{ productId, quantity: 1 }] } }));
  expect(placed.statusCode, JSON.stringify(placed.body)).toBe(201);
  const id = placed.body.id as string;
  if (status !== 'pending') {
    const paid = await invoke(h.pay, apiEvent(routes.recordPayment, { token: admin.token, path: { id }, body: { amount: placed.body.total, method: 'cash' } }));
    expect(paid.statusCode, JSON.stringify(paid.body)).toBe(201);
  }
  for (const step of status === 'processing' ? ['processing'] : []) {
    const moved = await invoke(h.changeStatus, apiEvent(routes.changeOrderStatus, { token: admin.token, path: { id }, body: { status: step } }));
    expect(moved.statusCode).toBe(200);
  }
  return id;
}

const tracking = () => `${tag}${randomUUID().replace(/-/g, '').slice(0, 12)}`.toUpperCase();
const create = (orderId: string, trackingNumber: string, carrier = 'UPS') =>
  invoke(h.create, apiEvent(routes.createShipment, { token: admin.token, body: { orderId, carrier, trackingNumber } }));
const patch = (trackingNumber: string, body: unknown) => invoke(h.update, apiEvent(routes.updateShipment, { token: admin.token, path: { trackingNumber }, body }));
const getOrder = (token: string, id: string) => invoke(h.getOrder, apiEvent(routes.getOrder, { token, path: { id } }));
const list = (token: string, query: Record<string, string> = {}) => invoke(h.list, apiEvent(routes.listShipments, { token, query }));

/** Every event on this file's queue since the last call (drained). */
async function drainEvents(): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
    if (Messages.length === 0) return events;
    events.push(...Messages.map((message) => JSON.parse(message.Body!)));
  }
}

describe('creating shipments', () => {
  it('20 concurrent creations with one tracking number (on 20 orders): exactly one 201, 19 × 409 CONFLICT; only that order moved', async () => {
    // One customer per order: a customer may hold only MAX_UNPAID_ORDERS unpaid orders at once.
    const orders = await Promise.all(Array.from({ length: 20 }, async () => orderIn(await newCustomer())));
    const number = tracking();
    const responses = await Promise.all(orders.map((orderId) => create(orderId, number)));
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const refused = responses.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(19);
    expect(refused.every((r) => r.body.error.code === 'CONFLICT')).toBe(true);
    const winner = responses.find((r) => r.statusCode === 201)!.body;
    const statuses = await Promise.all(orders.map(async (id) => (await getOrder(admin.token, id)).body.status as string));
    expect(statuses.filter((s) => s === 'shipped')).toHaveLength(1);
    expect(statuses[orders.indexOf(winner.orderId)]).toBe('shipped');
    expect(statuses.filter((s) => s === 'paid')).toHaveLength(19);
  });

  it('2 (and then 6) concurrent first shipments of one order: all 201, the order moves to shipped exactly once with one status email', async () => {
    const customer = await newCustomer();
    for (const n of [2, 6]) {
      const orderId = await orderIn(customer, n === 2 ? 'paid' : 'processing');
      await drainEvents();
      const responses = await Promise.all(Array.from({ length: n }, () => create(orderId, tracking())));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(n).fill(201));
      const order = (await getOrder(customer.token, orderId)).body;
      expect(order.status).toBe('shipped');
      expect(order.statusHistory.filter((s: { status: string }) => s.status === 'shipped')).toHaveLength(1);
      expect(order.shipments).toHaveLength(n);
      const events = await drainEvents();
      expect(events.filter((e) => e.type === 'order.status_changed' && e.data.orderId === orderId)).toHaveLength(1);
      // The other shipments each tell the customer about their own parcel.
      expect(events.filter((e) => e.type === 'shipment.status_changed' && e.data.orderId === orderId)).toHaveLength(n - 1);
    }
  });

  it('a pending order is 409 INVALID_TRANSITION and nothing is written (the tracking number stays free)', async () => {
    const customer = await newCustomer();
    const pending = await orderIn(customer, 'pending');
    const number = tracking();
    expect((await create(pending, number)).body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'pending', to: 'shipped' } });
    expect((await getOrder(admin.token, pending)).body.shipments).toEqual([]);
    expect((await create(await orderIn(customer), number)).statusCode).toBe(201);
  });
});

describe('delivery', () => {
  it('delivered → order delivered (same transaction); with two shipments only when both are; concurrent last deliveries still move it once', async () => {
    const customer = await newCustomer();
    const single = await orderIn(customer);
    const one = tracking();
    await create(single, one);
    for (const status of ['in_transit', 'out_for_delivery']) expect((await patch(one, { status })).statusCode).toBe(200);
    await drainEvents();
    const delivered = await patch(one, { status: 'delivered', checkpoint: { location: 'Front door', description: 'Left at the door' } });
    expect(delivered.body).toMatchObject({ status: 'delivered', checkpoints: [{ location: 'Front door' }] });
    expect((await getOrder(customer.token, single)).body.status).toBe('delivered');
    expect((await drainEvents()).map((e) => [e.type, e.data.to])).toEqual([['order.status_changed', 'delivered']]);
    expect((await patch(one, { status: 'in_transit' })).body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'delivered', to: 'in_transit' } });

    const double = await orderIn(customer);
    const [a, b] = [tracking(), tracking()];
    await create(double, a);
    await create(double, b);
    for (const n of [a, b]) {
      await patch(n, { status: 'in_transit' });
      await patch(n, { status: 'out_for_delivery' });
    }
    await drainEvents();
    const both = await Promise.all([patch(a, { status: 'delivered' }), patch(b, { status: 'delivered' })]);
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    const order = (await getOrder(customer.token, double)).body;
    expect(order.status).toBe('delivered');
    expect(order.statusHistory.filter((s: { status: string }) => s.status === 'delivered')).toHaveLength(1);
    const events = await drainEvents();
    expect(events.filter((e) => e.type === 'order.status_changed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'shipment.status_changed')).toHaveLength(1);
  });

  it('the moves carriers report (issue 11 item 10): in_transit → delivered, a failed attempt out_for_delivery → in_transit, exception → in_transit or delivered; each last delivery moves the order', async () => {
    const customer = await newCustomer();
    const cases: { moves: string[] }[] = [
      { moves: ['in_transit', 'delivered'] },
      { moves: ['in_transit', 'out_for_delivery', 'in_transit', 'out_for_delivery', 'delivered'] },
      { moves: ['in_transit', 'exception', 'in_transit', 'delivered'] },
      { moves: ['exception', 'delivered'] },
    ];
    for (const { moves } of cases) {
      const orderId = await orderIn(customer);
      const number = tracking();
      expect((await create(orderId, number)).statusCode).toBe(201);
      for (const status of moves) {
        const moved = await patch(number, { status });
        expect(moved.statusCode, `${moves.join(' → ')}: ${status} ${JSON.stringify(moved.body)}`).toBe(200);
        expect(moved.body.status).toBe(status);
      }
      const order = (await getOrder(customer.token, orderId)).body;
      expect(order.status, moves.join(' → ')).toBe('delivered');
      expect(order.statusHistory.map((s: { status: string }) => s.status)).toEqual(['pending', 'paid', 'shipped', 'delivered']);
    }
    // Still refused: backwards to label_created, out of delivered, a status to itself.
    const orderId = await orderIn(customer);
    const number = tracking();
    await create(orderId, number);
    expect((await patch(number, { status: 'delivered' })).body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'label_created', to: 'delivered' } });
    await patch(number, { status: 'in_transit' });
    expect((await patch(number, { status: 'label_created' })).statusCode).toBe(409);
    await patch(number, { status: 'delivered' });
    expect((await patch(number, { status: 'in_transit' })).body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'delivered', to: 'in_transit' } });
  });

  it('two concurrent identical status changes: one 200, one 409; checkpoints appended, none lost', async () => {
    const customer = await newCustomer();
    const orderId = await orderIn(customer);
    const number = tracking();
    await create(orderId, number);
    const raced = await Promise.all([patch(number, { status: 'in_transit' }), patch(number, { status: 'in_transit' })]);
    expect(raced.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    await Promise.all(Array.from({ length: 5 }, (_, i) => patch(number, { checkpoint: { location: `Hub ${i}`, description: 'Scanned' } })));
    const shipment = (await invoke(h.get, apiEvent(routes.getShipment, { token: customer.token, path: { trackingNumber: number } }))).body;
    expect(shipment.status).toBe('in_transit');
    expect(shipment.checkpoints.map((c: { location: string }) => c.location).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `Hub ${i}`));
  });

  it("the tracking-number claim's copy (GET /shipments/{n}, one GetItem) stays equal to the shipment item (GET /orders/{id}) through concurrent changes", async () => {
    const customer = await newCustomer();
    const orderId = await orderIn(customer);
    const number = tracking();
    await create(orderId, number);
    const changes = await Promise.all([
      patch(number, { status: 'in_transit' }),
      ...Array.from({ length: 8 }, (_, i) => patch(number, { checkpoint: { location: `Depot ${i}`, description: 'Scanned' } })),
      patch(number, { status: 'in_transit', checkpoint: { location: 'Van', description: 'Loaded' } }),
    ]);
    // Each change that answered 200 added its checkpoint (the first carries none).
    const appended = changes.slice(1).filter((change) => change.statusCode === 200).length;
    expect(appended).toBeGreaterThan(0);
    await patch(number, { status: 'out_for_delivery' });
    const copy = (await invoke(h.get, apiEvent(routes.getShipment, { token: customer.token, path: { trackingNumber: number } }))).body;
    const [item] = (await invoke(h.getOrder, apiEvent(routes.getOrder, { token: customer.token, path: { id: orderId } }))).body.shipments;
    expect(copy.status).toBe('out_for_delivery');
    expect(copy.checkpoints).toHaveLength(appended);
    expect(copy).toEqual(item);
  });
});

describe('reading shipments', () => {
  it('customers see only their own (list, filters, GET by number → 404 for others); admins see all', async () => {
    const [ann, bob] = await Promise.all([newCustomer('ann'), newCustomer('bob')]);
    const annOrder = await orderIn(ann);
    const bobOrder = await orderIn(bob);
    const annNumber = tracking();
    const bobNumber = tracking();
    await create(annOrder, annNumber);
    await create(bobOrder, bobNumber);
    expect((await list(ann.token)).body.items.map((s: { trackingNumber: string }) => s.trackingNumber)).toEqual([annNumber]);
    expect((await list(ann.token, { orderId: bobOrder })).body.items).toEqual([]);
    expect((await list(ann.token, { trackingNumber: bobNumber })).body.items).toEqual([]);
    expect((await list(ann.token, { trackingNumber: annNumber.toLowerCase() })).body.items).toHaveLength(1);
    expect((await list(ann.token, { trackingNumber: annNumber, orderId: bobOrder })).body.items).toEqual([]);
    expect((await invoke(h.get, apiEvent(routes.getShipment, { token: ann.token, path: { trackingNumber: bobNumber } }))).statusCode).toBe(404);
    expect((await invoke(h.get, apiEvent(routes.getShipment, { token: admin.token, path: { trackingNumber: bobNumber } }))).statusCode).toBe(200);
    expect((await list(admin.token, { orderId: bobOrder })).body.items.map((s: { trackingNumber: string }) => s.trackingNumber)).toEqual([bobNumber]);
    expect((await list(admin.token, { trackingNumber: annNumber })).body.items).toHaveLength(1);
  });

  it('pagination: a customer\'s 23 shipments and one order\'s 12, walked with limit 5, newest first, no duplicates or gaps', async () => {
    const customer = await newCustomer('pager');
    const created: string[] = [];
    const bigOrder = await orderIn(customer);
    for (let i = 0; i < 12; i += 1) created.push((await create(bigOrder, tracking())).body.id);
    for (let i = 0; i < 11; i += 1) created.push((await create(await orderIn(customer), tracking())).body.id);
    async function walk(query: Record<string, string>, token = customer.token) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await list(token, { ...query, limit: '5', ...(cursor ? { cursor } : {}) });
        expect(page.statusCode, JSON.stringify(page.body)).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.body.items.map((s: { id: string }) => s.id));
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    }
    expect(await walk({})).toEqual([...created].reverse());
    expect(await walk({ orderId: bigOrder })).toEqual(created.slice(0, 12).reverse());
    expect(await walk({ orderId: bigOrder }, admin.token)).toEqual(created.slice(0, 12).reverse());
    // A cursor from one query is refused by another.
    const first = await list(customer.token, { limit: '5' });
    expect((await list(customer.token, { limit: '5', orderId: bigOrder, cursor: first.body.nextCursor })).body.error.code).toBe('BAD_REQUEST');
  });
});
