/**
 * The write set of one one-line order, as bare TransactWriteItems, in this design and in the
 * previous one, for `bench:scale`'s before/after. Bench-only: the application never writes
 * the previous shapes.
 *
 *   this design      stock take on the product (no index keys) + order (gsi1 USER#, gsi2
 *                    STATUS#pending#<shard>) + list entry (gsi1 ORDERS#<shard>); 8 attempts,
 *                    capped full jitter, sold out answered between retries
 *   previous design  stock take on a product item that sits on gsi1 PRODUCTS / gsi2 CAT#… +
 *                    order (gsi2 STATUS#pending) + list entry (gsi1 ORDERS) + ADD on the day's
 *                    STATS#<day> / STATUS counter; 4 attempts, random × 25 ms × 2^attempt
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { failFastWhenUnavailable, takeStockItem } from '../shared/carts/cart-repository.js';
import { db, tableName } from '../shared/clients/dynamodb.js';
import { AppError } from '../shared/errors.js';
import { allOrdersPartition, orderIndexKey, orderKey, statusPartition, userOrdersPartition } from '../shared/orders/order-keys.js';
import { productKey } from '../shared/products/product-keys.js';
import { ServiceBusyError, TransactionCancelled, transactWrite, type TransactItems } from '../shared/transactions.js';

export type Design = 'current' | 'previous';
export const retries: Record<Design, number> = { current: 0, previous: 0 };

/** Products in the design's shape, written directly. */
export async function createProducts(design: Design, count: number, stock: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => ulid());
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(
      ids.slice(i, i + 25).map((id) => {
        const createdAt = new Date().toISOString();
        const indexKeys = design === 'previous' ? { gsi1pk: 'PRODUCTS', gsi1sk: `C#${createdAt}#${id}`, gsi2pk: 'CAT#bench', gsi2sk: `C#${createdAt}#${id}` } : {};
        return db.send(
          new TransactWriteCommand({
            TransactItems: [{ Put: { TableName: tableName, Item: { ...productKey(id), type: 'product', id, name: `Bare ${id}`, price: 1000, currency: 'usd', stock, lowStockThreshold: 0, createdAt, ...indexKeys } } }],
          }),
        );
      }),
    );
  }
  return ids;
}

function orderWrites(design: Design, userId: string, productId: string): TransactItems {
  const id = ulid();
  const now = new Date().toISOString();
  const order = { ...orderKey(id), type: 'order', id, userId, status: 'pending', items: [{ productId, quantity: 1, lineTotal: 1000 }], total: 1000, createdAt: now, updatedAt: now, stockOwned: true };
  const current = design === 'current';
  return [
    takeStockItem(productId, 1),
    {
      Put: {
        TableName: tableName,
        Item: { ...order, gsi1pk: userOrdersPartition(userId), gsi1sk: `ORDER#${now}#${id}`, gsi2pk: current ? statusPartition('pending', id) : 'STATUS#pending', gsi2sk: `${now}#${id}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName: tableName, Item: { ...orderIndexKey(id), type: 'orderIndex', orderId: id, userId, status: 'pending', gsi1pk: current ? allOrdersPartition(id) : 'ORDERS', gsi1sk: `${now}#${id}` } } },
    ...(current
      ? []
      : [{
          Update: {
            TableName: tableName,
            Key: { pk: `STATS#${now.slice(0, 10)}`, sk: 'STATUS' },
            UpdateExpression: 'ADD ordersPlaced :one, s_pending :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        }]),
  ];
}

/** The previous retry policy: 4 attempts, then 503. */
async function previousTransactWrite(items: TransactItems): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (!reasons || reasons.some((r) => r.Code === 'ConditionalCheckFailed') || !reasons.some((r) => r.Code === 'TransactionConflict')) throw new TransactionCancelled(reasons ?? []);
      if (attempt >= 4) throw new ServiceBusyError();
      retries.previous += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
    }
  }
}

/** One order's write set; the answer the API would give: 201, 409 OUT_OF_STOCK or 503. */
export async function placeOrder(design: Design, userId: string, productId: string): Promise<number | string> {
  try {
    const items = orderWrites(design, userId, productId);
    if (design === 'current') {
      await transactWrite(items, {
        beforeRetry: async () => {
          retries.current += 1;
          await failFastWhenUnavailable([{ productId, quantity: 1 }])();
        },
      });
    } else {
      await previousTransactWrite(items);
    }
    return 201;
  } catch (error) {
    if (error instanceof ServiceBusyError) return 503;
    if (error instanceof TransactionCancelled && error.failedAt(0)) return '409 OUT_OF_STOCK';
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
}
