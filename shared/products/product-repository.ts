import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { batchGetInOrder } from '../batch-get.js';
import { db, tableName } from '../clients/dynamodb.js';
import { cancellationReasons, isConditionFailure } from '../dynamo-errors.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { decodeCursor, encodeCursor, queryPage, type Page } from '../pagination.js';
import type { CreateProductInput, UpdateProductInput } from '../schemas/products.js';
import { planProductQuery, planScope, type ProductQueryInput } from './plan-product-query.js';
import {
  ALL_PRODUCTS,
  categoryPartition,
  createdIndexKey,
  createdSortKey,
  nameIndexKey,
  nameSortKey,
  priceIndexKey,
  priceSortKey,
  productKey,
} from './product-keys.js';
import { toProductRecord, type ProductRecord } from './product.js';
import { transactWrite, writeRetryingConflicts } from '../transactions.js';
import { normalizeSearchText } from './search-text.js';
import { OutOfStockError } from './stock-errors.js';

const searchTextOf = (product: Pick<ProductRecord, 'name' | 'sku' | 'category'>) =>
  normalizeSearchText(product.name, product.sku, product.category);

/** The listing index items (created, price, name), each with what listings filter on. */
function indexItems(product: ProductRecord): Record<string, unknown>[] {
  const common = {
    type: 'productIndex',
    productId: product.id,
    price: product.price,
    searchText: searchTextOf(product),
    ...(product.deletedAt ? { deletedAt: product.deletedAt } : {}),
  };
  const byCategory = (sortKey: string) => (product.category ? { gsi2pk: categoryPartition(product.category), gsi2sk: sortKey } : {});
  const created = createdSortKey(product.createdAt, product.id);
  const price = priceSortKey(product.price, product.id);
  const name = nameSortKey(product.name, product.id);
  return [
    { ...createdIndexKey(product.id), ...common, gsi1pk: ALL_PRODUCTS, gsi1sk: created, ...byCategory(created) },
    { ...priceIndexKey(product.id), ...common, gsi1pk: ALL_PRODUCTS, gsi1sk: price, ...byCategory(price) },
    { ...nameIndexKey(product.id), ...common, gsi1pk: ALL_PRODUCTS, gsi1sk: name, ...byCategory(name) },
  ];
}

export async function createProduct(input: CreateProductInput): Promise<ProductRecord> {
  const now = new Date().toISOString();
  const product: ProductRecord = {
    id: ulid(),
    name: input.name,
    description: input.description,
    price: input.price,
    currency: input.currency,
    stock: input.stock,
    category: input.category ?? null,
    sku: input.sku ?? null,
    images: [],
    lowStockThreshold: input.lowStockThreshold,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const { category, sku, deletedAt: _deletedAt, ...rest } = product;
  await transactWrite([
    {
      Put: {
        TableName: tableName,
        Item: {
          ...productKey(product.id),
          type: 'product',
          ...rest,
          ...(category ? { category } : {}),
          ...(sku ? { sku } : {}),
          searchText: searchTextOf(product),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...indexItems(product).map((Item) => ({ Put: { TableName: tableName, Item } })),
  ]);
  return product;
}

export async function findProduct(id: string): Promise<ProductRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: productKey(id) }));
  return Item ? toProductRecord(Item) : undefined;
}

/**
 * Admin edits: every attribute but stock. Read, then write the product (conditioned on the
 * version read) and both index items in one transaction; a concurrent edit makes it retry.
 * Stock is never touched here, so orders and adjustments running meanwhile are unaffected.
 */
async function editProduct(id: string, change: (current: ProductRecord) => Partial<Omit<ProductRecord, 'stock' | 'id' | 'version'>> | null): Promise<ProductRecord> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: productKey(id), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('Product');
    const current = toProductRecord(Item);
    const changes = change(current);
    if (changes === null) return current;
    const next: ProductRecord = { ...current, ...changes, updatedAt: new Date().toISOString(), version: current.version + 1 };
    const sets: string[] = [
      '#name = :name', 'description = :description', 'price = :price', 'currency = :currency',
      'lowStockThreshold = :lowStockThreshold', 'updatedAt = :updatedAt', 'version = :nextVersion', 'searchText = :searchText',
    ];
    // Products written before the created index item existed carried index keys: drop them.
    const removes: string[] = ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'];
    const values: Record<string, unknown> = {
      ':name': next.name, ':description': next.description, ':price': next.price, ':currency': next.currency,
      ':lowStockThreshold': next.lowStockThreshold, ':updatedAt': next.updatedAt, ':nextVersion': next.version,
      ':searchText': searchTextOf(next), ':version': current.version,
    };
    if (next.category) {
      sets.push('category = :category');
      values[':category'] = next.category;
    } else removes.push('category');
    if (next.sku) {
      sets.push('sku = :sku');
      values[':sku'] = next.sku;
    } else removes.push('sku');
    if (next.deletedAt) {
      sets.push('deletedAt = :deletedAt');
      values[':deletedAt'] = next.deletedAt;
    } else removes.push('deletedAt');
    try {
      await transactWrite([
        {
          Update: {
            TableName: tableName,
            Key: productKey(id),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: 'version = :version',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: values,
          },
        },
        ...indexItems(next).map((Item) => ({ Put: { TableName: tableName, Item } })),
      ]);
      // Stock may have moved since the read; the caller gets the current figure.
      return (await findProduct(id)) ?? next;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons?.includes('ConditionalCheckFailed') && !reasons?.includes('TransactionConflict')) throw error;
    }
  }
  throw new ConflictError('The product was changed by someone else at the same time; try again');
}

export const updateProduct = (id: string, input: UpdateProductInput) =>
  editProduct(id, () => ({
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.price !== undefined ? { price: input.price } : {}),
    ...(input.currency !== undefined ? { currency: input.currency } : {}),
    ...(input.category !== undefined ? { category: input.category } : {}),
    ...(input.sku !== undefined ? { sku: input.sku } : {}),
    ...(input.lowStockThreshold !== undefined ? { lowStockThreshold: input.lowStockThreshold } : {}),
  }));

/** Soft delete: out of public listings and GET; existing orders keep their snapshot. Idempotent. */
export const softDeleteProduct = (id: string) =>
  editProduct(id, (current) => (current.deletedAt ? null : { deletedAt: new Date().toISOString() }));

export const restoreProduct = (id: string) => editProduct(id, (current) => (current.deletedAt ? { deletedAt: undefined } : null));

/** The conditional ADD itself; an update racing a checkout transaction is retried, then 503. */
async function applyStockDelta(productId: string, delta: number): Promise<number> {
  try {
    const { Attributes } = await writeRetryingConflicts(() =>
      db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: productKey(productId),
          UpdateExpression: 'ADD stock :delta',
          ConditionExpression: delta < 0 ? 'attribute_exists(pk) AND stock >= :needed' : 'attribute_exists(pk) AND stock <= :room',
          ExpressionAttributeValues: delta < 0 ? { ':delta': delta, ':needed': -delta } : { ':delta': delta, ':room': 10_000_000 - delta },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return Attributes!.stock as number;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const old = (error as { Item?: { stock?: { N?: string }; name?: { S?: string } } }).Item;
    if (!old) throw new NotFoundError('Product');
    const available = Number(old.stock?.N ?? 0);
    if (delta < 0) throw new OutOfStockError({ productId, name: old.name?.S, available, requested: -delta });
    throw new ConflictError(`Stock would exceed ${10_000_000}`, { productId, available, delta });
  }
}

/**
 * One conditional ADD: a decrease only applies while enough stock is there, so concurrent
 * adjustments and orders can never drive stock below zero. Then the audit item records the
 * exact resulting stock the update returned.
 */
export async function adjustStock(input: { productId: string; delta: number; reason: string; by: string }): Promise<{ stock: number; adjustmentId: string }> {
  const { productId, delta } = input;
  const stock = await applyStockDelta(productId, delta);
  const adjustmentId = ulid();
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        pk: productKey(productId).pk,
        sk: `STOCKADJ#${adjustmentId}`,
        type: 'stockAdjustment',
        id: adjustmentId,
        productId,
        delta,
        reason: input.reason,
        resultingStock: stock,
        by: input.by,
        at: new Date().toISOString(),
      },
    }),
  );
  return { stock, adjustmentId };
}

export interface StockAdjustment {
  readonly id: string;
  readonly productId: string;
  readonly delta: number;
  readonly reason: string;
  readonly resultingStock: number;
  readonly by: string;
  readonly at: string;
}

/** The product item sorts just before its adjustments: IDX#… < PRODUCT < STOCKADJ#… ('$' follows '#'). */
const ADJUSTMENTS_RANGE = { from: 'PRODUCT', to: 'STOCKADJ$' } as const;

/**
 * A product's stock adjustments, newest first, and whether the product exists, in one Query
 * of its partition: read backwards from the last adjustment down to the product item, which
 * closes the range. Only the adjustments' attributes are projected, so the product item
 * weighs its keys. A missing product is a 404 (products are soft-deleted, never removed, so
 * its adjustments are never seen without it). Read `limit + 1` items: the extra one is either
 * an adjustment (a next page) or the product item (none).
 */
export async function listStockAdjustments(productId: string, limit: number, cursor: string | undefined): Promise<Page<StockAdjustment>> {
  const scope = `stockadj:${productId}`;
  const result = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': productKey(productId).pk, ':from': ADJUSTMENTS_RANGE.from, ':to': ADJUSTMENTS_RANGE.to },
      ProjectionExpression: 'pk, sk, id, productId, delta, reason, resultingStock, #by, #at',
      ExpressionAttributeNames: { '#by': 'by', '#at': 'at' },
      ScanIndexForward: false,
      Limit: limit + 1,
      ExclusiveStartKey: decodeCursor(cursor, scope),
    }),
  );
  const items = result.Items ?? [];
  // Backwards, the product item is the last of the range: nothing read means no product.
  if (items.length === 0) throw new NotFoundError('Product');
  const adjustments = items.filter((item) => String(item.sk).startsWith('STOCKADJ#'));
  const reachedProduct = items.some((item) => item.sk === ADJUSTMENTS_RANGE.from);
  const page = adjustments.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    adjustments.length > limit ? encodeCursor({ pk: last!.pk, sk: last!.sk }, scope)
    : result.LastEvaluatedKey && !reachedProduct ? encodeCursor(result.LastEvaluatedKey, scope)
    : null;
  return {
    items: page.map((item) => ({
      id: item.id as string,
      productId: item.productId as string,
      delta: item.delta as number,
      reason: item.reason as string,
      resultingStock: item.resultingStock as number,
      by: item.by as string,
      at: item.at as string,
    })),
    nextCursor,
    reads: 1,
    scanned: result.ScannedCount ?? items.length,
  };
}

export interface ProductPage extends Page<ProductRecord> {
  /** Items returned by the index query (before BatchGet), for benchmarks. */
  readonly indexItemsRead: number;
}

export async function listProducts(input: ProductQueryInput & { limit: number; cursor?: string | undefined }): Promise<ProductPage> {
  const plan = planProductQuery(input);
  const keyCondition =
    plan.range.kind === 'prefix'
      ? `${plan.partitionKeyAttribute} = :partition AND begins_with(${plan.sortKeyAttribute}, :prefix)`
      : `${plan.partitionKeyAttribute} = :partition AND ${plan.sortKeyAttribute} BETWEEN :from AND :to`;
  const rangeValues = plan.range.kind === 'prefix' ? { ':prefix': plan.range.prefix } : { ':from': plan.range.from, ':to': plan.range.to };
  const page = await queryPage({
    query: {
      TableName: tableName,
      IndexName: plan.indexName,
      KeyConditionExpression: keyCondition,
      ...(plan.filters.length ? { FilterExpression: plan.filters.join(' AND ') } : {}),
      ExpressionAttributeValues: { ...plan.values, ...rangeValues },
      ScanIndexForward: plan.scanIndexForward,
    },
    keyAttributes: ['pk', 'sk', plan.partitionKeyAttribute, plan.sortKeyAttribute],
    limit: input.limit,
    cursor: input.cursor,
    scope: planScope(plan),
  });
  const products = await batchGetInOrder(page.items.map((item) => productKey(item.productId as string)));
  return { ...page, reads: page.reads + products.calls, items: products.items.map(toProductRecord), indexItemsRead: page.items.length };
}

/**
 * Every product of the catalogue (deleted ones too), newest first, at most `maxProducts`:
 * the created index items (keys only), then the products in BatchGets of 100 for their
 * current stock. For the low-stock checks, which must see stock; listings page instead.
 */
export async function readCatalogue(options: { maxProducts: number; attributes?: readonly string[] }): Promise<{ products: Record<string, unknown>[]; reads: number; more: boolean }> {
  const products: Record<string, unknown>[] = [];
  let reads = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :products AND begins_with(gsi1sk, :created)',
        ProjectionExpression: 'productId',
        ExpressionAttributeValues: { ':products': ALL_PRODUCTS, ':created': 'C#' },
        ScanIndexForward: false,
        Limit: Math.min(1000, options.maxProducts - products.length),
        ExclusiveStartKey: startKey,
      }),
    );
    reads += 1;
    startKey = page.LastEvaluatedKey;
    const ids = (page.Items ?? []).map((item) => item.productId as string);
    for (let i = 0; i < ids.length; i += 100) {
      const found = await batchGetInOrder(ids.slice(i, i + 100).map(productKey), options.attributes);
      reads += found.calls;
      products.push(...found.items);
    }
  } while (startKey && products.length < options.maxProducts);
  return { products, reads, more: startKey !== undefined };
}
