/**
 * The cap on unpaid orders per customer (issue 11 item 9) over HTTP: a parallel burst of 40
 * orders by one customer gets exactly `limit` × 201 (MAX_UNPAID_ORDERS; 10 on the local stack)
 * and the rest 409 TOO_MANY_UNPAID_ORDERS saying so; paying for one frees a slot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, expectError, registerUser } from './client.js';

const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
let admin: string;

beforeAll(async () => {
  admin = await adminToken();
});

describe('unpaid orders per customer are capped', () => {
  it('40 parallel orders by one customer: exactly the limit succeed, the rest 409 TOO_MANY_UNPAID_ORDERS; stock only for those; paying frees one slot', async () => {
    const customer = await registerUser('unpaid-cap');
    const product = await api('POST', '/products', { token: admin, body: { name: `Capped ${crypto.randomUUID().slice(0, 6)}`, price: 500, stock: 1000 } });
    const order = () => api('POST', '/orders', { token: customer.accessToken, body: { shippingAddress: address, items: [{ productId: product.body.id, quantity: 5 }] } });
    const responses = await Promise.all(Array.from({ length: 40 }, order));
    const placed = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 409);
    expect(placed.length + refused.length).toBe(40);
    const limit = expectError(refused[0]!, 409, 'TOO_MANY_UNPAID_ORDERS').details.limit as number;
    if (!process.env.API_URL) expect(limit).toBe(10); // the default, on the local stack
    expect(placed).toHaveLength(limit);
    for (const response of refused) expect(expectError(response, 409, 'TOO_MANY_UNPAID_ORDERS').message).toContain(`${limit} unpaid orders`);
    expect((await api('GET', `/products/${product.body.id}`)).body.stock).toBe(1000 - 5 * limit);

    expect((await api('POST', `/orders/${placed[0]!.body.id}/payments`, { token: admin, body: { amount: 2500, method: 'cash' } })).status).toBe(201);
    expect((await order()).status).toBe(201);
    expectError(await order(), 409, 'TOO_MANY_UNPAID_ORDERS');
  });
});
