import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, expectError, registerUser } from './client.js';

let admin: string;
let customer: string;
const tag = `e2e${crypto.randomUUID().slice(0, 6)}`;
const category = `cat-${tag}`;

beforeAll(async () => {
  admin = await adminToken();
  customer = (await registerUser('shopper')).accessToken;
});

const createProduct = async (body: Record<string, unknown>) => {
  const response = await api('POST', '/products', { token: admin, body: { category, ...body } });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${response.text}`);
  return response.body as { id: string; stock: number; price: number; name: string };
};

describe('products over HTTP', () => {
  it('POST /products: 201 with defaults; 401/403 for non-admins; 400 for bad money and unknown fields', async () => {
    const created = await api('POST', '/products', { token: admin, body: { name: `Mug ${tag}`, price: 1999, stock: 5, category: 'Kitchen' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: `Mug ${tag}`, price: 1999, currency: 'usd', stock: 5, category: 'kitchen', images: [], lowStockThreshold: 5, description: '', sku: null });
    expectError(await api('POST', '/products', { body: { name: 'x', price: 1, stock: 1 } }), 401, 'UNAUTHORIZED');
    expectError(await api('POST', '/products', { token: customer, body: { name: 'x', price: 1, stock: 1 } }), 403, 'FORBIDDEN');
    for (const bad of [{ price: 19.99 }, { price: -1 }, { price: 2_000_000_000 }, { stock: 20_000_000 }, { stock: 1.5 }, { deletedAt: 'now' }, { id: 'mine' }]) {
      const error = expectError(await api('POST', '/products', { token: admin, body: { name: 'Bad', price: 100, stock: 1, ...bad } }), 400, 'VALIDATION_ERROR');
      expect(error.details.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: `body.${Object.keys(bad)[0]}` })]));
    }
    expectError(await api('POST', '/products', { token: admin, rawBody: '{"name":' }), 400, 'BAD_REQUEST');
  });

  it('GET /products/{id}: 200 with ETag, 304 on If-None-Match, 404 unknown', async () => {
    const product = await createProduct({ name: `Etag ${tag}`, price: 500, stock: 2 });
    const first = await api('GET', `/products/${product.id}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: product.id, stock: 2 });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await api('GET', `/products/${product.id}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expectError(await api('GET', '/products/does-not-exist'), 404, 'NOT_FOUND');
  });

  it('PATCH /products/{id}: changes fields, never stock; 404 unknown; 400 empty or with stock', async () => {
    const product = await createProduct({ name: `Patch ${tag}`, price: 500, stock: 2 });
    const patched = await api('PATCH', `/products/${product.id}`, { token: admin, body: { price: 750, sku: 'SKU-1', description: 'Blue', lowStockThreshold: 1 } });
    expect(patched.body).toMatchObject({ price: 750, sku: 'SKU-1', description: 'Blue', lowStockThreshold: 1, stock: 2 });
    expectError(await api('PATCH', `/products/${product.id}`, { token: admin, body: { stock: 100 } }), 400, 'VALIDATION_ERROR');
    expectError(await api('PATCH', `/products/${product.id}`, { token: admin, body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await api('PATCH', '/products/does-not-exist', { token: admin, body: { price: 1 } }), 404, 'NOT_FOUND');
    expectError(await api('PATCH', `/products/${product.id}`, { token: customer, body: { price: 1 } }), 403, 'FORBIDDEN');
  });

  it('stock adjustments: 200 with the new stock, 409 below zero with the current stock, audit trail, 400 for delta 0', async () => {
    const product = await createProduct({ name: `Stock ${tag}`, price: 500, stock: 2 });
    const up = await api('POST', `/products/${product.id}/stock-adjustments`, { token: admin, body: { delta: 5, reason: 'delivery' } });
    expect(up.body).toEqual({ productId: product.id, stock: 7 });
    const tooMany = expectError(await api('POST', `/products/${product.id}/stock-adjustments`, { token: admin, body: { delta: -8, reason: 'count' } }), 409, 'OUT_OF_STOCK');
    expect(tooMany.details).toMatchObject({ available: 7 });
    expectError(await api('POST', `/products/${product.id}/stock-adjustments`, { token: admin, body: { delta: 0, reason: 'x' } }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', `/products/${product.id}/stock-adjustments`, { token: admin, body: { delta: 1.5, reason: 'x' } }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', '/products/does-not-exist/stock-adjustments', { token: admin, body: { delta: 1, reason: 'x' } }), 404, 'NOT_FOUND');
    expectError(await api('POST', `/products/${product.id}/stock-adjustments`, { token: customer, body: { delta: 1, reason: 'x' } }), 403, 'FORBIDDEN');
    const audit = await api('GET', `/products/${product.id}/stock-adjustments`, { token: admin });
    expect(audit.body.items).toEqual([expect.objectContaining({ delta: 5, reason: 'delivery', resultingStock: 7 })]);
    expectError(await api('GET', '/products/does-not-exist/stock-adjustments', { token: admin }), 404, 'NOT_FOUND');
  });

  it('DELETE soft-deletes (404 for the public, visible to admins with includeDeleted), restore brings it back', async () => {
    const product = await createProduct({ name: `Gone ${tag}`, price: 500, stock: 2 });
    expect((await api('DELETE', `/products/${product.id}`, { token: admin })).status).toBe(204);
    expectError(await api('DELETE', '/products/does-not-exist', { token: admin }), 404, 'NOT_FOUND');
    const adminView = await api('GET', `/products/${product.id}`, { token: admin });
    expect(adminView.body.deletedAt).toEqual(expect.any(String));
    const listed = await api('GET', `/products?category=${category}&includeDeleted=true&search=gone`, { token: admin });
    expect(listed.body.items.map((p: { id: string }) => p.id)).toContain(product.id);
    expectError(await api('GET', '/products?includeDeleted=true', { token: customer }), 403, 'FORBIDDEN');
    expectError(await api('GET', '/products?includeDeleted=true'), 403, 'FORBIDDEN');
    const restored = await api('POST', `/products/${product.id}/restore`, { token: admin });
    expect(restored.status).toBe(200);
    expect(restored.body.deletedAt).toBeUndefined();
    expectError(await api('POST', '/products/does-not-exist/restore', { token: admin }), 404, 'NOT_FOUND');
  });

  it('GET /products: filters, sorts and cursor pagination; 400 for bad queries and tampered cursors', async () => {
    for (const [i, price] of [300, 100, 200, 500, 400].entries()) await createProduct({ name: `List ${tag} ${i}`, price, stock: 1 });
    const byPrice = await api('GET', `/products?category=${category}&search=list&sort=price&minPrice=150&maxPrice=450`, { token: admin });
    expect(byPrice.body.items.map((p: { price: number }) => p.price)).toEqual([200, 300, 400]);
    const first = await api('GET', `/products?category=${category}&search=list&sort=-price&limit=2`);
    expect(first.body.items.map((p: { price: number }) => p.price)).toEqual([500, 400]);
    const second = await api('GET', `/products?category=${category}&search=list&sort=-price&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items.map((p: { price: number }) => p.price)).toEqual([300, 200]);
    expectError(await api('GET', `/products?category=${category}&search=list&sort=-price&limit=2&cursor=${encodeURIComponent(`x${first.body.nextCursor}`)}`), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/products?sort=stock'), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/products?minPrice=10&maxPrice=5'), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/products?limit=0'), 400, 'VALIDATION_ERROR');
    expectError(await api('GET', '/products?minPrice=1.5'), 400, 'VALIDATION_ERROR');
    expect((await api('GET', `/products?category=${category}&sort=name&limit=100`)).status).toBe(200);
  });
});
