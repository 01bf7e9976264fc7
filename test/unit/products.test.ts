import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, TransactWriteCommand, type BatchGetCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { planProductQuery, planScope } from '../../shared/products/plan-product-query.js';
import { createProduct, listProducts } from '../../shared/products/product-repository.js';
import { normalizeSearchText, searchTokens } from '../../shared/products/search-text.js';
import { conditionalJson, TtlCache } from '../../shared/http/response-cache.js';
import { createProductBodySchema, listProductsQuerySchema, updateProductBodySchema } from '../../shared/schemas/products.js';
import { apiEvent } from '../support/api-gateway-event.js';

describe('planProductQuery: every listing is a Query on a key designed for it', () => {
  it.each([
    ['-createdAt', undefined, 'gsi1', 'PRODUCTS', 'C#', false],
    ['createdAt', undefined, 'gsi1', 'PRODUCTS', 'C#', true],
    ['price', undefined, 'gsi1', 'PRODUCTS', 'P#', true],
    ['-price', undefined, 'gsi1', 'PRODUCTS', 'P#', false],
    ['name', undefined, 'gsi1', 'PRODUCTS', 'N#', true],
    ['-createdAt', 'mugs', 'gsi2', 'CAT#mugs', 'C#', false],
    ['price', 'mugs', 'gsi2', 'CAT#mugs', 'P#', true],
    ['name', 'mugs', 'gsi2', 'CAT#mugs', 'N#', true],
  ] as const)('sort %s, category %s → %s %s %s', (sort, category, index, partition, prefix, forward) => {
    const plan = planProductQuery({ sort, category });
    expect(plan).toMatchObject({ indexName: index, partition, range: { kind: 'prefix', prefix }, scanIndexForward: forward });
    // Every listing reads index items (C#, P#, N#) and then BatchGets the products: no per-plan choice.
    expect(plan).not.toHaveProperty('viaIndexItems');
    expect(plan.filters).toEqual(['attribute_not_exists(deletedAt)']);
  });

  it('price bounds become a key range when sorting by price, filters otherwise', () => {
    const byPrice = planProductQuery({ sort: '-price', minPrice: 100, maxPrice: 2500 });
    expect(byPrice.range).toEqual({ kind: 'between', from: 'P#0000000100#', to: 'P#0000002500#~' });
    expect(byPrice.filters).toEqual(['attribute_not_exists(deletedAt)']);
    const onlyMin = planProductQuery({ sort: 'price', minPrice: 5 });
    expect(onlyMin.range).toEqual({ kind: 'between', from: 'P#0000000005#', to: 'P#9999999999#~' });
    const byName = planProductQuery({ sort: 'name', minPrice: 100, maxPrice: 2500 });
    expect(byName.range).toEqual({ kind: 'prefix', prefix: 'N#' });
    expect(byName.filters).toEqual(['price >= :minPrice', 'price <= :maxPrice', 'attribute_not_exists(deletedAt)']);
    expect(byName.values).toMatchObject({ ':minPrice': 100, ':maxPrice': 2500 });
  });

  it('search adds one contains() per normalised token; admins can include deleted products', () => {
    const plan = planProductQuery({ sort: 'createdAt', search: '  Blue-MUG ', includeDeleted: true });
    expect(plan.filters).toEqual(['contains(searchText, :token0)', 'contains(searchText, :token1)']);
    expect(plan.values).toMatchObject({ ':token0': 'blue', ':token1': 'mug' });
  });

  it('binds cursors to the whole query', () => {
    const a = planScope(planProductQuery({ sort: 'price' }));
    expect(planScope(planProductQuery({ sort: 'price' }))).toBe(a);
    expect(planScope(planProductQuery({ sort: 'price', category: 'x' }))).not.toBe(a);
    expect(planScope(planProductQuery({ sort: 'price', search: 'x' }))).not.toBe(a);
    expect(planScope(planProductQuery({ sort: '-price' }))).not.toBe(a);
  });
});

describe('product items and index items', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  beforeEach(() => ddb.reset());

  it.each(['-createdAt', 'createdAt', 'price', 'name'] as const)('listing sorted by %s: a Query of index items, then one BatchGet of the products (current stock)', async (sort) => {
    const index = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'IDX#X', type: 'productIndex', productId: id, gsi1pk: 'PRODUCTS', gsi1sk: `X#${id}` });
    ddb.on(QueryCommand).resolves({ Items: [index('b'), index('a')], ScannedCount: 2 });
    ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
      Responses: { 'unit-table': (input.RequestItems!['unit-table']!.Keys as { pk: string; sk: string }[]).map((key) => ({ ...key, type: 'product', id: key.pk.slice(8), name: 'Mug', price: 100, stock: 7 })) },
    }));
    const page = await listProducts({ sort, limit: 20 });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
    expect(ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems!['unit-table']!.Keys)).toEqual([
      [{ pk: 'PRODUCT#b', sk: 'PRODUCT' }, { pk: 'PRODUCT#a', sk: 'PRODUCT' }],
    ]);
    expect(page.items.map((product) => [product.id, product.stock])).toEqual([['b', 7], ['a', 7]]);
    expect(page.indexItemsRead).toBe(2);
  });

  it('create writes the product without index keys, and the created, price and name index items', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const product = await createProduct(createProductBodySchema.parse({ name: 'Mug', price: 1500, stock: 3, category: 'mugs' }));
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(4);
    const [main, ...indexes] = items.map((item) => item.Put!);
    expect(main!.Item).toMatchObject({ pk: `PRODUCT#${product.id}`, sk: 'PRODUCT', type: 'product', stock: 3, category: 'mugs' });
    expect(main!.ConditionExpression).toBe('attribute_not_exists(pk)');
    for (const attribute of ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']) expect(main!.Item).not.toHaveProperty(attribute);
    const [created, price, name] = [`C#${product.createdAt}#${product.id}`, `P#0000001500#${product.id}`, `N#mug#${product.id}`];
    expect(indexes.map((put) => put.Item)).toEqual([
      expect.objectContaining({ pk: `PRODUCT#${product.id}`, sk: 'IDX#CREATED', productId: product.id, gsi1pk: 'PRODUCTS', gsi1sk: created, gsi2pk: 'CAT#mugs', gsi2sk: created }),
      expect.objectContaining({ pk: `PRODUCT#${product.id}`, sk: 'IDX#PRICE', productId: product.id, gsi1pk: 'PRODUCTS', gsi1sk: price, gsi2pk: 'CAT#mugs', gsi2sk: price }),
      expect.objectContaining({ pk: `PRODUCT#${product.id}`, sk: 'IDX#NAME', productId: product.id, gsi1pk: 'PRODUCTS', gsi1sk: name, gsi2pk: 'CAT#mugs', gsi2sk: name }),
    ]);
    for (const put of indexes) expect(put.Item).not.toHaveProperty('stock');
  });
});

describe('search text', () => {
  it('normalises case, accents and punctuation into space-padded tokens', () => {
    expect(normalizeSearchText('Crème Brûlée', 'SKU-42', null)).toBe(' creme brulee sku 42 ');
    expect(searchTokens('  Café/au-LAIT ')).toEqual(['cafe', 'au', 'lait']);
    expect(searchTokens('!!!')).toEqual([]);
  });
});

describe('product schemas', () => {
  const valid = { name: 'Mug', price: 1999, stock: 3 };
  it.each([
    ['fractional price', { price: 19.99 }],
    ['negative price', { price: -1 }],
    ['absurd price', { price: 1_000_000_001 }],
    ['absurd stock', { stock: 10_000_001 }],
    ['fractional stock', { stock: 1.5 }],
    ['unknown field', { deletedAt: 'x' }],
    ['id', { id: 'x' }],
    ['bad currency', { currency: 'dollars' }],
  ])('rejects %s', (_label, change) => {
    expect(createProductBodySchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });

  it('defaults currency, description and lowStockThreshold; lower-cases category and currency', () => {
    expect(createProductBodySchema.parse({ ...valid, category: ' Mugs ', currency: 'EUR' })).toMatchObject({
      currency: 'eur', description: '', lowStockThreshold: 5, category: 'mugs',
    });
  });

  it('PATCH cannot set stock, id or deletedAt, and needs a field', () => {
    for (const body of [{ stock: 5 }, { id: 'x' }, { deletedAt: 'x' }, {}]) expect(updateProductBodySchema.safeParse(body).success).toBe(false);
    expect(updateProductBodySchema.parse({ category: null })).toEqual({ category: null });
  });

  it('list query: minPrice ≤ maxPrice, known sorts, includeDeleted as a boolean', () => {
    expect(listProductsQuerySchema.safeParse({ minPrice: '10', maxPrice: '5' }).success).toBe(false);
    expect(listProductsQuerySchema.safeParse({ sort: 'stock' }).success).toBe(false);
    expect(listProductsQuerySchema.parse({ includeDeleted: 'true', minPrice: '10' })).toMatchObject({ includeDeleted: true, minPrice: 10, limit: 20, sort: '-createdAt' });
  });
});

describe('warm cache and ETags', () => {
  it('serves within the TTL, reloads after it, and evicts the least recently used entry', async () => {
    const cache = new TtlCache<number>(10_000, 2);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.getOrLoad('a', load, 0)).toBe(1);
    expect(await cache.getOrLoad('a', load, 9_999)).toBe(1);
    expect(await cache.getOrLoad('a', load, 10_001)).toBe(2);
    await cache.getOrLoad('b', load, 10_002);
    await cache.getOrLoad('a', load, 10_003); // a is now most recent
    await cache.getOrLoad('c', load, 10_004); // evicts b
    expect(cache.size).toBe(2);
    const before = loads;
    await cache.getOrLoad('a', load, 10_005);
    expect(loads).toBe(before);
    await cache.getOrLoad('b', load, 10_006);
    expect(loads).toBe(before + 1);
  });

  it('answers 304 when If-None-Match carries the current ETag', () => {
    const route = { method: 'GET', path: '/products/{id}' } as const;
    const first = conditionalJson(apiEvent(route), { a: 1 });
    expect(first.statusCode).toBe(200);
    const etag = first.headers!.etag!;
    expect(conditionalJson(apiEvent(route, { headers: { 'if-none-match': etag } }), { a: 1 })).toEqual({ statusCode: 304, headers: { etag, 'cache-control': 'no-cache' } });
    expect(conditionalJson(apiEvent(route, { headers: { 'if-none-match': etag } }), { a: 2 }).statusCode).toBe(200);
  });
});
