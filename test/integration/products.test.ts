/**
 * Catalogue listing against DynamoDB Local: every filter/sort combination, paged to the end,
 * compared with the answer computed here from the seeded data; no Scan is ever sent. Plus
 * concurrent stock adjustments and soft-delete visibility. Other test files share the table,
 * so this file tags its products (a unique category and a unique name token).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../infra/routes.js';
import { db } from '../../shared/clients/dynamodb.js';
import { createProduct } from '../../shared/products/product-repository.js';
import type { ProductRecord } from '../../shared/products/product.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const commandsSent: string[] = [];
db.middlewareStack.add(
  (next, context) => async (args) => {
    commandsSent.push(context.commandName ?? 'unknown');
    return next(args);
  },
  { step: 'initialize', name: 'countCommands' },
);

const tag = `zz${randomUUID().slice(0, 6)}`;
const category = `cat-${tag}`;
const otherCategory = `other-${tag}`;
const seeded: ProductRecord[] = [];
let adminToken: string;
let h: {
  list: typeof import('../../functions/products/list.js').handler;
  get: typeof import('../../functions/products/get.js').handler;
  create: typeof import('../../functions/products/create.js').handler;
  update: typeof import('../../functions/products/update.js').handler;
  remove: typeof import('../../functions/products/delete.js').handler;
  restore: typeof import('../../functions/products/restore.js').handler;
  adjust: typeof import('../../functions/products/adjust-stock.js').handler;
  adjustments: typeof import('../../functions/products/list-stock-adjustments.js').handler;
};

beforeAll(async () => {
  h = {
    list: (await import('../../functions/products/list.js')).handler,
    get: (await import('../../functions/products/get.js')).handler,
    create: (await import('../../functions/products/create.js')).handler,
    update: (await import('../../functions/products/update.js')).handler,
    remove: (await import('../../functions/products/delete.js')).handler,
    restore: (await import('../../functions/products/restore.js')).handler,
    adjust: (await import('../../functions/products/adjust-stock.js')).handler,
    adjustments: (await import('../../functions/products/list-stock-adjustments.js')).handler,
  };
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  const { startSession } = await import('../../shared/auth/sessions.js');
  adminToken = (await startSession(await ensureAdmin({ email: `products-admin-${tag}@example.com`, password: 'admin-password' }))).accessToken;

  const words = ['Amber', 'birch', 'Cedar', 'dune', 'Ember', 'fjord', 'Grove', 'haze'];
  const specs = Array.from({ length: 220 }, (_, i) => ({
    name: `${words[i % words.length]} ${tag} ${String(i).padStart(3, '0')}${i % 5 === 0 ? ' special' : ''}`,
    // Repeated prices make ties, which must still page without gaps or duplicates.
    price: 100 + ((i * 37) % 50) * 10,
    stock: i % 7,
    category: i % 4 === 0 ? otherCategory : category,
    description: '',
    currency: 'usd',
    lowStockThreshold: 5,
  }));
  for (let i = 0; i < specs.length; i += 20) {
    seeded.push(...(await Promise.all(specs.slice(i, i + 20).map((spec) => createProduct(spec)))));
  }
}, 120_000);

afterEach(() => vi.useRealTimers());

const list = (query: Record<string, string>, token?: string) =>
  invoke(h.list, apiEvent(routes.listProducts, { query, ...(token ? { token } : {}) }));

async function walk(query: Record<string, string>, token?: string) {
  const ids: string[] = [];
  const items: { id: string; price: number; name: string; createdAt: string }[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, ...(cursor ? { cursor } : {}) }, token);
    expect(page.statusCode, JSON.stringify(page.body)).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(Number(query.limit ?? 20));
    items.push(...page.body.items);
    ids.push(...page.body.items.map((p: { id: string }) => p.id));
    cursor = page.body.nextCursor ?? undefined;
    pages += 1;
  } while (cursor && pages < 500);
  expect(new Set(ids).size, 'no duplicates across pages').toBe(ids.length);
  return items;
}

type Sort = 'createdAt' | '-createdAt' | 'price' | '-price' | 'name';
const compare: Record<Sort, (a: ProductRecord, b: ProductRecord) => number> = {
  createdAt: (a, b) => `${a.createdAt}#${a.id}`.localeCompare(`${b.createdAt}#${b.id}`),
  '-createdAt': (a, b) => `${b.createdAt}#${b.id}`.localeCompare(`${a.createdAt}#${a.id}`),
  price: (a, b) => a.price - b.price || a.id.localeCompare(b.id),
  '-price': (a, b) => b.price - a.price || b.id.localeCompare(a.id),
  name: (a, b) => `${a.name.toLowerCase()}#${a.id}` < `${b.name.toLowerCase()}#${b.id}` ? -1 : 1,
};

describe('GET /products: every filter and sort combination', () => {
  const sorts: Sort[] = ['createdAt', '-createdAt', 'price', '-price', 'name'];
  const priceFilters: { minPrice?: string; maxPrice?: string }[] = [{}, { minPrice: '200' }, { maxPrice: '350' }, { minPrice: '200', maxPrice: '350' }];
  const categories = [undefined, category] as const;
  const searches = [undefined, 'SPECIAL'] as const;

  for (const sort of sorts)
    for (const prices of priceFilters)
      for (const cat of categories)
        for (const search of searches) {
          const label = `sort=${sort} ${JSON.stringify(prices)} category=${cat ? 'yes' : 'no'} search=${search ?? '-'}`;
          it(label, async () => {
            const query: Record<string, string> = { sort, limit: '23', ...prices, ...(cat ? { category: cat } : {}), ...(search ? { search } : {}) };
            const expected = seeded
              .filter((p) => (cat ? p.category === cat : true))
              .filter((p) => (prices.minPrice ? p.price >= Number(prices.minPrice) : true))
              .filter((p) => (prices.maxPrice ? p.price <= Number(prices.maxPrice) : true))
              .filter((p) => (search ? p.name.includes('special') : true))
              .sort(compare[sort])
              .map((p) => p.id);
            const mine = new Set(seeded.map((p) => p.id));
            // Without a category the listing spans the whole shop (other files' products too):
            // the order must hold for everything, and ours must all be there, in order.
            const items = await walk(cat ? query : { ...query, search: search ? `${search} ${tag}` : tag });
            expect(items.filter((p) => mine.has(p.id)).map((p) => p.id)).toEqual(expected);
            if (cat) expect(items.map((p) => p.id)).toEqual(expected);
          });
        }

  it('sent no Scan, ever', () => {
    expect(commandsSent.length).toBeGreaterThan(100);
    expect(commandsSent.filter((name) => /scan/i.test(name))).toEqual([]);
    const allowed = ['TransactWriteItemsCommand', 'QueryCommand', 'BatchGetItemCommand', 'GetItemCommand', 'PutItemCommand', 'UpdateItemCommand'];
    expect([...new Set(commandsSent)].filter((name) => !allowed.includes(name))).toEqual([]);
    expect(commandsSent).toContain('QueryCommand');
  });

  it('pure key queries fill pages exactly', async () => {
    const page = await list({ category, sort: 'price', limit: '50' });
    expect(page.body.items).toHaveLength(50);
  });

  it('rejects a tampered cursor or one from another query with 400', async () => {
    const first = await list({ category, sort: 'price', limit: '5' });
    const cursor = first.body.nextCursor as string;
    const tampered = `${cursor.slice(0, 10)}${cursor[10] === 'x' ? 'y' : 'x'}${cursor.slice(11)}`;
    expect((await list({ category, sort: 'price', limit: '5', cursor: tampered })).body.error.code).toBe('BAD_REQUEST');
    expect((await list({ category, sort: 'name', limit: '5', cursor })).statusCode).toBe(400);
  });
});

describe('stock adjustments', () => {
  it('50 parallel −1 on stock 20: exactly 20 succeed, stock 0, 20 audit items', async () => {
    const product = await createProduct({ name: `Race ${tag}`, description: '', price: 500, currency: 'usd', stock: 20, lowStockThreshold: 5 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        invoke(h.adjust, apiEvent(routes.adjustStock, { token: adminToken, path: { id: product.id }, body: { delta: -1, reason: 'shrinkage' } })),
      ),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(20);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(30);
    expect(refused[0]!.body.error).toMatchObject({ code: 'OUT_OF_STOCK', message: `Only 0 left of 'Race ${tag}'`, details: { productId: product.id, available: 0, requested: 1 } });
    const got = await invoke(h.get, apiEvent(routes.getProduct, { token: adminToken, path: { id: product.id } }));
    expect(got.body.stock).toBe(0);
    const audit = await invoke(h.adjustments, apiEvent(routes.listStockAdjustments, { token: adminToken, path: { id: product.id }, query: { limit: '100' } }));
    expect(audit.body.items).toHaveLength(20);
    expect(audit.body.items.map((a: { resultingStock: number }) => a.resultingStock).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('a decrease below zero is 409 with the current stock; the audit records who, why and the result', async () => {
    const product = await createProduct({ name: `Audit ${tag}`, description: '', price: 500, currency: 'usd', stock: 3, lowStockThreshold: 5 });
    const tooMany = await invoke(h.adjust, apiEvent(routes.adjustStock, { token: adminToken, path: { id: product.id }, body: { delta: -4, reason: 'count' } }));
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.body.error.details).toMatchObject({ available: 3 });
    const added = await invoke(h.adjust, apiEvent(routes.adjustStock, { token: adminToken, path: { id: product.id }, body: { delta: 7, reason: 'delivery' } }));
    expect(added.body).toEqual({ productId: product.id, stock: 10 });
    const audit = await invoke(h.adjustments, apiEvent(routes.listStockAdjustments, { token: adminToken, path: { id: product.id } }));
    expect(audit.body.items).toEqual([expect.objectContaining({ delta: 7, reason: 'delivery', resultingStock: 10, by: expect.any(String), at: expect.any(String) })]);
    expect((await invoke(h.adjust, apiEvent(routes.adjustStock, { token: adminToken, path: { id: 'nope' }, body: { delta: 1, reason: 'x' } }))).statusCode).toBe(404);
  });
});

describe('soft delete, restore and edits', () => {
  it('deleted products vanish for the public (after the cache TTL) but admins still see them', async () => {
    const product = await createProduct({ name: `Vanish ${tag}`, description: '', price: 999, currency: 'usd', stock: 1, category, lowStockThreshold: 5 });
    expect((await invoke(h.get, apiEvent(routes.getProduct, { path: { id: product.id } }))).statusCode).toBe(200);
    expect((await invoke(h.remove, apiEvent(routes.deleteProduct, { token: adminToken, path: { id: product.id } }))).statusCode).toBe(204);
    // The author (an admin) sees the change at once; public readers within the 10 s TTL.
    const adminView = await invoke(h.get, apiEvent(routes.getProduct, { token: adminToken, path: { id: product.id } }));
    expect(adminView.body.deletedAt).toEqual(expect.any(String));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 11_000);
    expect((await invoke(h.get, apiEvent(routes.getProduct, { path: { id: product.id } }))).statusCode).toBe(404);
    const publicIds = (await walk({ category, search: 'vanish' })).map((p) => p.id);
    expect(publicIds).not.toContain(product.id);
    const adminIds = (await walk({ category, search: 'vanish', includeDeleted: 'true' }, adminToken)).map((p) => p.id);
    expect(adminIds).toContain(product.id);
    expect((await list({ includeDeleted: 'true' })).statusCode).toBe(403);

    const restored = await invoke(h.restore, apiEvent(routes.restoreProduct, { token: adminToken, path: { id: product.id } }));
    expect(restored.body.deletedAt).toBeUndefined();
    vi.setSystemTime(Date.now() + 22_000);
    expect((await walk({ category, search: 'vanish' })).map((p) => p.id)).toContain(product.id);
  });

  it('PATCH moves a product between categories and prices without touching stock', async () => {
    const product = await createProduct({ name: `Mover ${tag}`, description: '', price: 100, currency: 'usd', stock: 9, category, lowStockThreshold: 5 });
    const patched = await invoke(h.update, apiEvent(routes.updateProduct, { token: adminToken, path: { id: product.id }, body: { price: 12345, category: otherCategory.toUpperCase(), name: 'Zebra mover' } }));
    expect(patched.body).toMatchObject({ price: 12345, category: otherCategory, name: 'Zebra mover', stock: 9 });
    const inOther = await walk({ category: otherCategory, sort: 'price', minPrice: '12345', maxPrice: '12345' }, adminToken);
    expect(inOther.map((p) => p.id)).toEqual([product.id]);
    expect((await walk({ category, search: 'mover' }, adminToken)).map((p) => p.id)).not.toContain(product.id);
    const missing = await invoke(h.update, apiEvent(routes.updateProduct, { token: adminToken, path: { id: 'nope' }, body: { price: 1 } }));
    expect(missing.statusCode).toBe(404);
    const stockPatch = await invoke(h.update, apiEvent(routes.updateProduct, { token: adminToken, path: { id: product.id }, body: { stock: 1000 } }));
    expect(stockPatch.statusCode).toBe(400);
  });

  it('concurrent edits and stock moves lose nothing', async () => {
    const product = await createProduct({ name: `Busy ${tag}`, description: '', price: 100, currency: 'usd', stock: 50, lowStockThreshold: 5 });
    const edits = Array.from({ length: 3 }, (_, i) =>
      invoke(h.update, apiEvent(routes.updateProduct, { token: adminToken, path: { id: product.id }, body: { description: `edit ${i}` } })),
    );
    const moves = Array.from({ length: 10 }, () =>
      invoke(h.adjust, apiEvent(routes.adjustStock, { token: adminToken, path: { id: product.id }, body: { delta: -1, reason: 'sale' } })),
    );
    const results = await Promise.all([...edits, ...moves]);
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
    const final = await invoke(h.get, apiEvent(routes.getProduct, { token: adminToken, path: { id: product.id } }));
    expect(final.body.stock).toBe(40);
  });

  it('GET answers 304 to a matching If-None-Match', async () => {
    const product = seeded[1]!;
    const first = await invoke(h.get, apiEvent(routes.getProduct, { path: { id: product.id } }));
    const again = await h.get(apiEvent(routes.getProduct, { path: { id: product.id }, headers: { 'if-none-match': first.headers.etag! } }), {} as never);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });
});
