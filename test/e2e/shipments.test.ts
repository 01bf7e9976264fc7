/**
 * Every endpoint and error of API.md "Shipments" over HTTP, against the local stack (or
 * API_URL), with the customer's emails read back from the SES store when the target has one.
 * Orders reach `paid` through a payment the admin records (POST /orders/{id}/payments).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { waitForEmails } from '../support/mail-store.js';
import { adminToken, api, expectError, registerUser } from './client.js';
import { target } from './client.js';

const mailStore = target.sesStoreUrl;
const tag = `e2e${crypto.randomUUID().slice(0, 6)}`;
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };

let admin: string;
type Customer = Awaited<ReturnType<typeof registerUser>>;
let ann: Customer;
let bob: Customer;
let productId: string;

beforeAll(async () => {
  admin = await adminToken();
  [ann, bob] = await Promise.all([registerUser('ship-ann'), registerUser('ship-bob')]);
  const product = await api('POST', '/products', { token: admin, body: { name: `Parcel ${tag}`, price: 1200, stock: 100, category: `cat-${tag}` } });
  productId = product.body.id;
});

async function paidOrder(customer: Customer, status: 'pending' | 'paid' = 'paid'): Promise<string> {
  const placed = await api('POST', '/orders', { token: customer.accessToken, body: { shippingAddress: address, items: [{ productId, quantity: 1 }] } });
  if (placed.status !== 201) throw new Error(`order failed: ${placed.status} ${placed.text}`);
  // `paid` comes only from a completed payment: the admin records it.
  if (status === 'paid') expect((await api('POST', `/orders/${placed.body.id}/payments`, { token: admin, body: { amount: placed.body.total, method: 'cash' } })).status).toBe(201);
  return placed.body.id;
}
const tracking = () => `${tag}${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`.toUpperCase();
const createShipment = (body: unknown, token = admin) => api('POST', '/shipments', { token, body });
const patchShipment = (number: string, body: unknown, token = admin) => api('PATCH', `/shipments/${encodeURIComponent(number)}`, { token, body });

describe('shipments over HTTP', () => {
  it('POST /shipments: 201 label_created, the order moves to shipped (customer emailed once, with carrier and tracking number); errors', async () => {
    const orderId = await paidOrder(ann);
    const number = tracking();
    const created = await createShipment({ orderId, carrier: 'UPS', trackingNumber: number.toLowerCase().replace(/(.{4})/, '$1-') });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String), orderId, carrier: 'UPS', trackingNumber: number, status: 'label_created', checkpoints: [],
      createdAt: expect.any(String), updatedAt: expect.any(String),
    });
    const order = (await api('GET', `/orders/${orderId}`, { token: ann.accessToken })).body;
    expect(order.status).toBe('shipped');
    expect(order.shipments).toEqual([created.body]);

    // A second parcel for the shipped order: no status change.
    const second = await createShipment({ orderId, carrier: 'DHL', trackingNumber: tracking() });
    expect(second.status).toBe(201);
    expect((await api('GET', `/orders/${orderId}`, { token: ann.accessToken })).body.shipments.map((s: { id: string }) => s.id)).toEqual([created.body.id, second.body.id]);

    const duplicate = expectError(await createShipment({ orderId: await paidOrder(ann), carrier: 'UPS', trackingNumber: number }), 409, 'CONFLICT');
    expect(duplicate.details).toEqual({ trackingNumber: number });
    const pending = expectError(await createShipment({ orderId: await paidOrder(ann, 'pending'), carrier: 'UPS', trackingNumber: tracking() }), 409, 'INVALID_TRANSITION');
    expect(pending.details).toEqual({ from: 'pending', to: 'shipped' });
    expectError(await createShipment({ orderId: 'does-not-exist', carrier: 'UPS', trackingNumber: tracking() }), 404, 'NOT_FOUND');
    for (const body of [{ orderId, carrier: 'UPS' }, { orderId, carrier: 'UPS', trackingNumber: 'x' }, { orderId, carrier: '', trackingNumber: tracking() }, { orderId, carrier: 'UPS', trackingNumber: tracking(), status: 'delivered' }]) {
      expectError(await createShipment(body), 400, 'VALIDATION_ERROR');
    }
    expectError(await createShipment({ orderId, carrier: 'UPS', trackingNumber: tracking() }, ann.accessToken), 403, 'FORBIDDEN');
    expectError(await api('POST', '/shipments', { body: { orderId, carrier: 'UPS', trackingNumber: tracking() } }), 401, 'UNAUTHORIZED');

    if (mailStore) {
      // Welcome, 3 × order received, 2 × paid, shipped, new shipment (at least: ann has more orders).
      const emails = await waitForEmails(mailStore, ann.email.toLowerCase(), 8);
      const shipped = emails.filter((e) => e.subject === `Your order ${orderId} is now shipped`);
      expect(shipped).toHaveLength(1);
      expect(shipped[0]!.body.text).toContain(`Shipped with UPS, tracking number ${number}`);
      const parcel = emails.filter((e) => e.subject === `New shipment ${second.body.trackingNumber} for order ${orderId}`);
      expect(parcel).toHaveLength(1);
      expect(parcel[0]!.body.text).toContain('Carrier: DHL');
    }
  });

  it('PATCH /shipments/{n}: legal moves with checkpoints, each status change emailed once; delivered → order delivered; 409 illegal; 404; 403; 400', async () => {
    const customer = await registerUser('ship-patch');
    const orderId = await paidOrder(customer);
    const number = tracking();
    expect((await createShipment({ orderId, carrier: 'FedEx', trackingNumber: number })).status).toBe(201);

    const moving = await patchShipment(number, { status: 'in_transit', checkpoint: { location: 'Memphis, TN', description: 'Departed facility', at: '2026-05-01T10:00:00+02:00' } });
    expect(moving.status).toBe(200);
    expect(moving.body).toMatchObject({ status: 'in_transit', checkpoints: [{ location: 'Memphis, TN', description: 'Departed facility', at: '2026-05-01T08:00:00.000Z' }] });
    const checkpointOnly = await patchShipment(number.toLowerCase(), { checkpoint: { location: 'Springfield', description: 'Arrived at hub' } });
    expect(checkpointOnly.body.checkpoints).toHaveLength(2);
    expect(checkpointOnly.body.status).toBe('in_transit');

    const illegal = expectError(await patchShipment(number, { status: 'label_created' }), 409, 'INVALID_TRANSITION');
    expect(illegal.details).toEqual({ from: 'in_transit', to: 'label_created' });
    expectError(await patchShipment(number, { status: 'in_transit' }), 409, 'INVALID_TRANSITION');
    expect((await patchShipment(number, { status: 'exception', checkpoint: { location: 'Springfield', description: 'Address not found' } })).body.status).toBe('exception');
    expect((await patchShipment(number, { status: 'out_for_delivery' })).body.status).toBe('out_for_delivery');
    const delivered = await patchShipment(number, { status: 'delivered', checkpoint: { location: 'Front door', description: 'Delivered' } });
    expect(delivered.body).toMatchObject({ status: 'delivered' });
    expect(delivered.body.checkpoints).toHaveLength(4);
    const order = (await api('GET', `/orders/${orderId}`, { token: customer.accessToken })).body;
    expect(order.status).toBe('delivered');
    expect(order.statusHistory.map((s: { status: string }) => s.status)).toEqual(['pending', 'paid', 'shipped', 'delivered']);
    expectError(await patchShipment(number, { status: 'exception' }), 409, 'INVALID_TRANSITION');

    expectError(await patchShipment('NOSUCH0001', { status: 'in_transit' }), 404, 'NOT_FOUND');
    for (const body of [{}, { status: 'lost' }, { checkpoint: { location: 'X' } }, { status: 'in_transit', extra: 1 }]) {
      expectError(await patchShipment(number, body), 400, 'VALIDATION_ERROR');
    }
    expectError(await patchShipment('#!', { status: 'in_transit' }), 400, 'VALIDATION_ERROR');
    expectError(await patchShipment(number, { status: 'in_transit' }, customer.accessToken), 403, 'FORBIDDEN');
    expectError(await api('PATCH', `/shipments/${number}`, { body: { status: 'in_transit' } }), 401, 'UNAUTHORIZED');

    if (mailStore) {
      // Welcome; order received, paid, shipped; shipment in_transit, exception, out_for_delivery; order delivered.
      // The checkpoint alone sent nothing.
      const emails = await waitForEmails(mailStore, customer.email.toLowerCase(), 8);
      const subjects = emails.map((e) => e.subject);
      expect(emails).toHaveLength(8);
      // The customer's words for each status (shared/emails/templates.ts, issue 12 item 1).
      for (const label of ['in transit', 'delivery problem', 'out for delivery']) {
        expect(subjects.filter((s) => s === `Shipment ${number} of order ${orderId}: ${label}`)).toHaveLength(1);
      }
      expect(subjects.filter((s) => s === `Your order ${orderId} is now delivered`)).toHaveLength(1);
      const update = emails.find((e) => e.subject.endsWith(': in transit'))!;
      expect(update.body.text).toContain('Carrier: FedEx');
      expect(update.body.text).toContain(`Tracking number: ${number}`);
      expect(emails.find((e) => e.subject === `Your order ${orderId} is now delivered`)!.body.text).toContain(`Delivered by FedEx, tracking number ${number}`);
    }
  });

  it('PATCH /shipments/{n}: carrier moves (issue 11 item 10): in_transit → delivered skipping out_for_delivery, a failed attempt back to in_transit; the order is delivered', async () => {
    const customer = await registerUser('ship-skip');
    const [direct, retried] = [await paidOrder(customer), await paidOrder(customer)];
    const [a, b] = [tracking(), tracking()];
    expect((await createShipment({ orderId: direct, carrier: 'USPS', trackingNumber: a })).status).toBe(201);
    expect((await createShipment({ orderId: retried, carrier: 'USPS', trackingNumber: b })).status).toBe(201);
    expect((await patchShipment(a, { status: 'in_transit' })).status).toBe(200);
    expect((await patchShipment(a, { status: 'delivered' })).body.status).toBe('delivered');
    for (const status of ['in_transit', 'out_for_delivery', 'in_transit', 'delivered']) {
      const moved = await patchShipment(b, { status });
      expect(moved.status, `${status}: ${moved.text}`).toBe(200);
    }
    for (const orderId of [direct, retried]) {
      expect((await api('GET', `/orders/${orderId}`, { token: customer.accessToken })).body.status).toBe('delivered');
    }
    expect(expectError(await patchShipment(a, { status: 'in_transit' }), 409, 'INVALID_TRANSITION').details).toEqual({ from: 'delivered', to: 'in_transit' });
  });

  it('GET /shipments and /shipments/{n}: customers see their own only (others 404), filters, pagination, bad cursor 400, 401', async () => {
    const [annOrder, bobOrder] = await Promise.all([paidOrder(ann), paidOrder(bob)]);
    const annNumbers = [tracking(), tracking(), tracking()];
    for (const n of annNumbers) expect((await createShipment({ orderId: annOrder, carrier: 'UPS', trackingNumber: n })).status).toBe(201);
    const bobNumber = tracking();
    await createShipment({ orderId: bobOrder, carrier: 'UPS', trackingNumber: bobNumber });

    const one = await api('GET', `/shipments/${annNumbers[0]!.toLowerCase()}`, { token: ann.accessToken });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ trackingNumber: annNumbers[0], orderId: annOrder, status: 'label_created', checkpoints: [] });
    expectError(await api('GET', `/shipments/${bobNumber}`, { token: ann.accessToken }), 404, 'NOT_FOUND');
    expectError(await api('GET', '/shipments/NOSUCH0001', { token: ann.accessToken }), 404, 'NOT_FOUND');
    expect((await api('GET', `/shipments/${bobNumber}`, { token: admin })).status).toBe(200);
    expectError(await api('GET', `/shipments/${bobNumber}`), 401, 'UNAUTHORIZED');

    const page1 = await api('GET', `/shipments?orderId=${annOrder}&limit=2`, { token: ann.accessToken });
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((s: { trackingNumber: string }) => s.trackingNumber)).toEqual([annNumbers[2], annNumbers[1]]);
    const page2 = await api('GET', `/shipments?orderId=${annOrder}&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`, { token: ann.accessToken });
    expect(page2.body).toEqual({ items: [expect.objectContaining({ trackingNumber: annNumbers[0] })], nextCursor: null });
    const mine = await api('GET', '/shipments?limit=100', { token: ann.accessToken });
    expect(mine.body.items.map((s: { trackingNumber: string }) => s.trackingNumber)).toEqual(expect.arrayContaining(annNumbers));
    expect(mine.body.items.every((s: { orderId: string }) => s.orderId !== bobOrder)).toBe(true);
    expect((await api('GET', `/shipments?orderId=${bobOrder}`, { token: ann.accessToken })).body.items).toEqual([]);
    expect((await api('GET', `/shipments?trackingNumber=${bobNumber}`, { token: ann.accessToken })).body.items).toEqual([]);
    expect((await api('GET', `/shipments?trackingNumber=${bobNumber}`, { token: admin })).body.items).toHaveLength(1);
    expect((await api('GET', `/shipments?orderId=${bobOrder}`, { token: admin })).body.items.map((s: { trackingNumber: string }) => s.trackingNumber)).toEqual([bobNumber]);
    expectError(await api('GET', '/shipments?cursor=tampered', { token: ann.accessToken }), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/shipments?limit=0', { token: ann.accessToken }), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/shipments?status=delivered', { token: ann.accessToken }), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/shipments'), 401, 'UNAUTHORIZED');
  });
});
