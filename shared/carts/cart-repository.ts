import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { readJoined, type PendingSession } from '../auth/pending-session.js';
import { db, tableName } from '../clients/dynamodb.js';
import { readConfig } from '../config.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { OutOfStockError } from '../products/stock-errors.js';
import { productKey } from '../products/product-keys.js';
import { toProductRecord, type ProductRecord } from '../products/product.js';
import { snapshotCondition, type ProductSnapshot } from '../products/product-snapshots.js';
import { MAX_CART_LINES } from '../schemas/orders.js';
import { countUpToItem, TransactionCancelled, transactWrite, type TransactItems } from '../transactions.js';
import { cartHeaderKey, holdExpiryPartition, holdExpirySortKey, holdKey, holdShard, toHold, type Hold } from './cart-keys.js';
import { sortCartLines } from './cart-lines.js';

export const { CART_HOLD_MINUTES: holdMinutes } = readConfig(['CART_HOLD_MINUTES']);
const GC_SECONDS = 24 * 3600;

async function readHold(userId: string, productId: string): Promise<Hold | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: holdKey(userId, productId), ConsistentRead: true }));
  return Item ? toHold(Item) : undefined;
}

/** The condition that the hold is still exactly as read (or still absent). */
const holdUnchanged = (hold: Hold | undefined) =>
  hold
    ? { ConditionExpression: 'quantity = :oldQuantity AND expiresAt = :oldExpiresAt', values: { ':oldQuantity': hold.quantity, ':oldExpiresAt': hold.expiresAt } }
    : { ConditionExpression: 'attribute_not_exists(pk)', values: {} };

/** Returns `quantity` units of stock: always safe, the hold or order owned them. */
export const returnStockItem = (productId: string, quantity: number): TransactItems[number] => ({
  Update: {
    TableName: tableName,
    Key: productKey(productId),
    UpdateExpression: 'ADD stock :quantity',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':quantity': quantity },
  },
});

/**
 * Takes `quantity` units of stock if that many are available and the product is on sale (and,
 * given a snapshot, still has its name, price and currency: shared/products/product-snapshots.ts).
 */
export const takeStockItem = (productId: string, quantity: number, snapshot?: ProductSnapshot): TransactItems[number] => {
  const matches = snapshot && snapshotCondition(snapshot);
  return {
    Update: {
      TableName: tableName,
      Key: productKey(productId),
      UpdateExpression: 'ADD stock :minus',
      ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(deletedAt) AND stock >= :quantity${matches ? ` AND ${matches.expression}` : ''}`,
      ...(matches ? { ExpressionAttributeNames: matches.names } : {}),
      ExpressionAttributeValues: { ':minus': -quantity, ':quantity': quantity, ...matches?.values },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
};

/**
 * Between retries of a conflicting take (a hot product: its buyers' transactions collide),
 * reads the products' current stock and throws OUT_OF_STOCK (or 404) if a take can no longer
 * succeed, so a sold-out product answers at once instead of queueing. Only decides to fail;
 * the stock is still only ever taken by the conditional write.
 */
export function failFastWhenUnavailable(lines: readonly { productId: string; quantity: number }[]): () => Promise<void> {
  return async () => {
    const products = await Promise.all(
      lines.map(async (line) => (await db.send(new GetCommand({ TableName: tableName, Key: productKey(line.productId), ConsistentRead: true }))).Item),
    );
    lines.forEach((line, i) => {
      const product = products[i];
      if (!product || product.deletedAt) throw new NotFoundError('Product');
      if ((product.stock as number) < line.quantity) {
        throw new OutOfStockError({ productId: line.productId, name: product.name as string, available: product.stock as number, requested: line.quantity });
      }
    });
  };
}

/** Turns a failed take into the right error: 404 for a missing or deleted product, else 409. */
export function takeStockFailure(cancelled: TransactionCancelled, index: number, productId: string, quantity: number): Error {
  const old = cancelled.oldItem(index);
  if (!old || old.deletedAt) return new NotFoundError('Product');
  return new OutOfStockError({ productId, name: old.name?.S, available: Number(old.stock?.N ?? 0), requested: quantity });
}

/**
 * Sets a cart line to `quantity`: reserves or releases only the difference, in one
 * transaction with the hold (conditioned on the hold being as read), and renews the hold.
 * A hold that has expired but not yet been released still owns its stock, so it is simply
 * renewed; the release schedule's transaction is conditioned on the same hold and loses.
 */
export async function setCartLine(userId: string, productId: string, quantity: number): Promise<void> {
  await setLine(userId, productId, quantity, async () => ({ current: await readHold(userId, productId), holds: [] }));
}

/**
 * Reads a cart for a change and its answer: the holds (one strongly consistent Query per
 * attempt) and, once, their products and `alsoProductId`'s in one BatchGetItem that carries a
 * pending session's lookup, so the session is confirmed before anything is written. A retry
 * that finds a product not read yet (a line added meanwhile) reads just those.
 */
function cartReader(userId: string, session: PendingSession | undefined, alsoProductId?: string) {
  const products = new Map<string, ProductRecord>();
  let readOnce = false;
  return {
    products,
    async read(): Promise<Hold[]> {
      const holds = await cartHolds(userId);
      const missing = [...new Set([...holds.map((hold) => hold.productId), ...(alsoProductId ? [alsoProductId] : [])])].filter((id) => !products.has(id));
      if (!readOnce || missing.length > 0) {
        for (const [id, product] of await readProducts(missing, session)) products.set(id, product);
        readOnce = true;
      }
      return holds;
    },
  };
}

async function readProducts(productIds: readonly string[], session: PendingSession | undefined): Promise<Map<string, ProductRecord>> {
  const items = await readJoined(session, productIds.map(productKey));
  return new Map(items.map((item) => [item.id as string, toProductRecord(item)]));
}

/**
 * PUT /cart/items/{id} in three calls: the cart and its products read once (the session's
 * lookup joined to the products' read), the transaction, and the answer built from what was read.
 */
export async function setCartLineAndView(userId: string, productId: string, quantity: number, session?: PendingSession, now = Date.now()): Promise<CartView> {
  const cart = cartReader(userId, session, productId);
  const holds = await setLine(userId, productId, quantity, async () => {
    const holds = await cart.read();
    return { current: holds.find((hold) => hold.productId === productId), holds };
  });
  return cartViewFrom(userId, holds, cart.products, now);
}

async function setLine(userId: string, productId: string, quantity: number, read: () => Promise<{ current: Hold | undefined; holds: readonly Hold[] }>): Promise<Hold[]> {
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const now = Date.now();
    const { current, holds } = await read();
    const delta = quantity - (current?.quantity ?? 0);
    const expiresAt = now + holdMinutes * 60_000;
    const items: TransactItems = [];
    if (delta > 0) items.push(takeStockItem(productId, delta));
    if (delta < 0) items.push(returnStockItem(productId, -delta));
    const unchanged = holdUnchanged(current);
    items.push({
      Put: {
        TableName: tableName,
        Item: {
          ...holdKey(userId, productId),
          type: 'cartHold',
          userId,
          productId,
          quantity,
          expiresAt,
          heldAt: new Date(now).toISOString(),
          gsi2pk: holdExpiryPartition(holdShard(userId)),
          gsi2sk: holdExpirySortKey(expiresAt, userId, productId),
          ttl: Math.ceil(expiresAt / 1000) + GC_SECONDS,
        },
        ConditionExpression: unchanged.ConditionExpression,
        ...(current ? { ExpressionAttributeValues: unchanged.values } : {}),
      },
    });
    if (!current) items.push(countUpToItem(cartHeaderKey(userId), 'lines', MAX_CART_LINES));
    if (delta === 0 && !current) throw new Error('unreachable: new line with quantity 0');
    try {
      await transactWrite(items, { beforeRetry: delta > 0 ? failFastWhenUnavailable([{ productId, quantity: delta }]) : undefined });
      return withHold(holds, { userId, productId, quantity, expiresAt });
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
      if (delta > 0 && error.failedAt(0)) throw takeStockFailure(error, 0, productId, delta);
      if (!current && error.failedAt(items.length - 1)) throw new ConflictError(`A cart holds at most ${MAX_CART_LINES} different products`);
      // The hold changed under us (another request, checkout or the release schedule): re-read.
    }
  }
  throw new ConflictError('The cart line is changing concurrently; try again');
}

/** The cart's holds in sort-key order (as a Query returns them) with `hold` put in or replaced. */
const withHold = (holds: readonly Hold[], hold: Hold): Hold[] =>
  [...holds.filter((other) => other.productId !== hold.productId), hold].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));

/**
 * DELETE /cart/items/{id} in three calls: releases the line (as removeCartLine) having read the
 * cart and its products once (the session's lookup joined), and answers from what it read.
 */
export async function removeCartLineAndView(userId: string, productId: string, session?: PendingSession, now = Date.now()): Promise<CartView> {
  const cart = cartReader(userId, session);
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const holds = await cart.read();
    const current = holds.find((hold) => hold.productId === productId);
    if (!current) return cartViewFrom(userId, holds, cart.products, now);
    try {
      await releaseHolds(userId, [current]);
      return cartViewFrom(userId, holds.filter((hold) => hold !== current), cart.products, now);
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
    }
  }
  throw new ConflictError('The cart line is changing concurrently; try again');
}

/** Releases one line's hold and its stock; returns false when there was nothing to release. */
export async function removeCartLine(userId: string, productId: string, condition?: { expiredBefore: number }): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const current = await readHold(userId, productId);
    if (!current) return false;
    if (condition && current.expiresAt > condition.expiredBefore) return false;
    const unchanged = holdUnchanged(current);
    try {
      await transactWrite([
        {
          Delete: {
            TableName: tableName,
            Key: holdKey(userId, productId),
            ConditionExpression: unchanged.ConditionExpression,
            ExpressionAttributeValues: unchanged.values,
          },
        },
        returnStockItem(productId, current.quantity),
        {
          Update: {
            TableName: tableName,
            Key: cartHeaderKey(userId),
            UpdateExpression: 'ADD #lines :minusOne',
            ExpressionAttributeNames: { '#lines': 'lines' },
            ExpressionAttributeValues: { ':minusOne': -1 },
          },
        },
      ]);
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
    }
  }
  throw new ConflictError('The cart line is changing concurrently; try again');
}

export async function cartHolds(userId: string): Promise<Hold[]> {
  const holds: Hold[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :items)',
        ExpressionAttributeValues: { ':pk': `CART#${userId}`, ':items': 'ITEM#' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    holds.push(...(page.Items ?? []).map(toHold));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return holds;
}

/**
 * Lines released per transaction: two items a line (hold, stock), the header and a pending
 * session's three ConditionChecks, within DynamoDB's 100 (a full cart of 50: two transactions).
 */
export const CLEAR_LINES_PER_TRANSACTION = 48;

/**
 * Releases every line as read, in one transaction per CLEAR_LINES_PER_TRANSACTION lines (a full
 * cart of 50: two): each hold deleted on the condition that it is unchanged, its stock returned,
 * the header's line count lowered by as many. A hold changed or released meanwhile (another
 * request, checkout, the release schedule) cancels that transaction with nothing written, and
 * the cart is read again (4 attempts, as removeCartLine).
 */
export async function clearCart(userId: string, session?: PendingSession): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const holds = await cartHolds(userId);
    if (holds.length === 0) return;
    try {
      // The first transaction carries the session's checks: nothing is written for a session that has ended.
      for (let i = 0; i < holds.length; i += CLEAR_LINES_PER_TRANSACTION) await releaseHolds(userId, holds.slice(i, i + CLEAR_LINES_PER_TRANSACTION), session);
      return;
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
    }
  }
  throw new ConflictError('The cart is changing concurrently; try again');
}

/**
 * Deletes these holds (each as read) and returns their stock, in one transaction; with a
 * pending session, only if it still stands (its ConditionChecks ride along; 401 otherwise).
 */
async function releaseHolds(userId: string, holds: readonly Hold[], session?: PendingSession): Promise<void> {
  const items: TransactItems = holds.flatMap((hold) => {
    const unchanged = holdUnchanged(hold);
    return [
      { Delete: { TableName: tableName, Key: holdKey(userId, hold.productId), ConditionExpression: unchanged.ConditionExpression, ExpressionAttributeValues: unchanged.values } },
      returnStockItem(hold.productId, hold.quantity),
    ];
  });
  items.push({
    Update: {
      TableName: tableName,
      Key: cartHeaderKey(userId),
      UpdateExpression: 'ADD #lines :minus',
      ExpressionAttributeNames: { '#lines': 'lines' },
      ExpressionAttributeValues: { ':minus': -holds.length },
    },
  });
  const sessionAt = items.length;
  try {
    await transactWrite([...items, ...(session?.conditionChecks() ?? [])]);
    session?.committed();
  } catch (error) {
    throw (error instanceof TransactionCancelled ? session?.refusal(error, sessionAt) : undefined) ?? error;
  }
}

export interface CartView {
  items: { productId: string; name: string; quantity: number; unitPrice: number; lineTotal: number; expiresAt: string }[];
  total: number;
  currency: string;
  /** Lines dropped by this read: their product was deleted since; their stock was released. */
  removedItems: { productId: string; name: string; quantity: number; reason: 'product_unavailable' }[];
}

/**
 * The live holds with current prices. Expired holds are left out even while they still exist.
 * A line whose product was deleted since is released here (hold deleted, stock returned, in one
 * transaction conditioned on the hold as read: two reads at once release it once) and listed
 * under `removedItems` instead of being counted in the total.
 */
export async function viewCart(userId: string, now = Date.now(), session?: PendingSession): Promise<CartView> {
  const holds = (await cartHolds(userId)).filter((hold) => hold.expiresAt > now);
  return cartViewFrom(userId, holds, await readProducts(holds.map((hold) => hold.productId), session), now);
}

/** The cart's answer from its holds and their products as read (one read of each per request). */
async function cartViewFrom(userId: string, holds: readonly Hold[], products: ReadonlyMap<string, ProductRecord>, now: number): Promise<CartView> {
  const { live, unavailable } = sortCartLines(holds, products, now);
  // One after another: every release also updates the cart header, and two transactions writing
  // one item at once conflict on DynamoDB.
  for (const { hold } of unavailable) await removeCartLine(userId, hold.productId);
  const items = live.map(({ hold, product }) => ({
    productId: hold.productId,
    name: product.name,
    quantity: hold.quantity,
    unitPrice: product.price,
    lineTotal: product.price * hold.quantity,
    expiresAt: new Date(hold.expiresAt).toISOString(),
  }));
  const currency = live[0]?.product.currency ?? products.values().next().value?.currency ?? 'usd';
  return {
    items,
    total: items.reduce((sum, line) => sum + line.lineTotal, 0),
    currency,
    removedItems: unavailable.map(({ hold, product }) => ({ productId: hold.productId, name: product.name, quantity: hold.quantity, reason: 'product_unavailable' as const })),
  };
}
