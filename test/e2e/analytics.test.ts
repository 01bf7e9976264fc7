import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, expectError, registerUser } from './client.js';

let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});

describe('GET /admin/analytics over HTTP', () => {
  it('200 with every figure for the default 30 days; an order placed now is counted (within seconds, from the stream)', async () => {
    const before = await api('GET', '/admin/analytics', { token: admin });
    expect(before.status).toBe(200);
    const product = await api('POST', '/products', { token: admin, body: { name: `Analytics e2e ${crypto.randomUUID().slice(0, 6)}`, price: 1500, stock: 3, lowStockThreshold: 5 } });
    const buyer = await registerUser('analytics');
    const order = await api('POST', '/orders', {
      token: buyer.accessToken,
      body: { shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }, items: [{ productId: product.body.id, quantity: 1 }] },
    });
    expect(order.status).toBe(201);
    // The counters follow the table's stream (a second or so behind): poll until the order counts.
    let after = await api('GET', '/admin/analytics', { token: admin });
    for (let tries = 0; after.body.orderCount < before.body.orderCount + 1 && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await api('GET', '/admin/analytics', { token: admin });
    }
    expect(Object.keys(after.body).sort()).toEqual(
      ['averageOrderValue', 'from', 'lowStock', 'orderCount', 'ordersByStatus', 'paidOrders', 'recentOrders', 'revenue', 'to', 'topProducts', 'topProductsByRevenue'].sort(),
    );
    expect(after.body.orderCount).toBeGreaterThanOrEqual(before.body.orderCount + 1);
    expect(after.body.ordersByStatus.pending).toBeGreaterThanOrEqual(1);
    expect(after.body.recentOrders[0].id).toBe(order.body.id);
    // 2 left ≤ threshold 5: a low-stock product.
    expect(after.body.lowStock.map((p: { id: string }) => p.id)).toContain(product.body.id);
    const today = new Date().toISOString().slice(0, 10);
    expect(after.body.to).toBe(today);
  });

  it('401 anonymous, 403 customer, 400 for bad or reversed dates', async () => {
    expectError(await api('GET', '/admin/analytics'), 401, 'UNAUTHORIZED');
    expectError(await api('GET', '/admin/analytics', { token: (await registerUser('nosy')).accessToken }), 403, 'FORBIDDEN');
    expectError(await api('GET', '/admin/analytics?from=last-week', { token: admin }), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/admin/analytics?from=2026-02-01&to=2026-01-01', { token: admin }), 400, 'VALIDATION_ERROR');
  });
});
