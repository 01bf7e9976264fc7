import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { readJoined, type PendingSession } from '../auth/pending-session.js';
import { batchGetInOrder } from '../batch-get.js';
import { cartHeaderKey, holdKey } from '../carts/cart-keys.js';
import { cartHolds, failFastWhenUnavailable, returnStockItem, takeStockFailure, takeStockItem } from '../carts/cart-repository.js';
import { db, tableName } from '../clients/dynamodb.js';
import { readConfig } from '../config.js';
import { AppError, BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { queryPage, queryShards, type Page } from '../pagination.js';

import { productKey } from '../products/product-keys.js';
import { toProductRecord, type ProductRecord } from '../products/product.js';
import { refreshedFrom, rememberSnapshots, snapshotsOf } from '../products/product-snapshots.js';
import { ProductUnavailableError } from '../products/stock-errors.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, type ListOrdersQuery, type PlaceOrderInput } from '../schemas/orders.js';
import { countUpToItem, TransactionCancelled, transactWrite, type TransactItems } from '../transactions.js';
import { ALL_ORDERS_PARTITIONS, allOrdersPartition, idempotentOrderId, orderIndexKey, orderKey, statusPartition, statusPartitions, unpaidOrdersKey, userOrdersPartition } from './order-keys.js';
import { canTransition, returnsStock, transitionHint, unpaidDelta, type Actor, type OrderStatus } from './order-status.js';
import { toOrderRecord, type OrderLine, type OrderRecord, type StatusChange } from './order.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export class IdempotencyKeyReusedError extends AppError {
  readonly status = 422;
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This Idempotency-Key was used with a different request');
  }
}

export class InvalidTransitionError extends AppError {
  readonly status = 409;
  readonly code = 'INVALID_TRANSITION';
  constructor(from: OrderStatus, to: OrderStatus, hint?: string) {
    super(`An order cannot go from ${from} to ${to}${hint ? `. ${hint}` : ''}`, { from, to, ...(hint ? { hint } : {}) });
  }
}

export const { MAX_UNPAID_ORDERS: maxUnpaidOrders } = readConfig(['MAX_UNPAID_ORDERS']);

/** The customer already has as many unpaid orders as allowed (issue 11 item 9). */
export class TooManyUnpaidOrdersError extends AppError {
  readonly status = 409;
  readonly code = 'TOO_MANY_UNPAID_ORDERS';
  constructor(limit: number) {
    super(`You already have ${limit} unpaid orders, the most allowed at once: pay for or cancel one before placing another`, { limit });
  }
}

/** Counts the new order in its customer's unpaid orders, if that stays within the cap. */
export const countUnpaidItem = (userId: string, limit: number): TransactItems[number] => countUpToItem(unpaidOrdersKey(userId), 'count', limit);

/** Between conflict retries of a placement: a cap reached meanwhile is the answer (409), not a 503. */
const failWhenCapReached = (userId: string, limit: number) => async () => {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: unpaidOrdersKey(userId), ConsistentRead: true }));
  if (typeof Item?.count === 'number' && Item.count >= limit) throw new TooManyUnpaidOrdersError(limit);
};

// Kept apart (find-order.ts) so readers of one order don't load this module's pagination and key.
import { findOrder } from './find-order.js';
export { findOrder };

interface LineRequest {
  readonly productId: string;
  readonly quantity: number;
}

/** Duplicate product lines are merged before anything is written. */
export function mergeLines(lines: readonly LineRequest[]): LineRequest[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  if (merged.size > MAX_ORDER_LINES) throw new BadRequestError(`An order holds at most ${MAX_ORDER_LINES} different products`);
  const tooMany = [...merged].find(([, quantity]) => quantity > MAX_LINE_QUANTITY);
  if (tooMany) throw new BadRequestError(`At most ${MAX_LINE_QUANTITY} of one product per order`, { productId: tooMany[0], quantity: tooMany[1] });
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Line snapshots from the server's products: prices never come from the client. A cart line
 * whose product was deleted since it was held is a 409 naming the product (issue 12 item 8);
 * a direct line naming a deleted or unknown product is a 404.
 */
function snapshotLines(lines: readonly LineRequest[], products: ReadonlyMap<string, Pick<ProductRecord, 'id' | 'name' | 'price' | 'currency' | 'deletedAt'>>, fromCart: boolean): { items: OrderLine[]; currency: string } {
  const items = lines.map((line) => {
    const product = products.get(line.productId);
    if (product?.deletedAt && fromCart) throw new ProductUnavailableError({ productId: product.id, name: product.name });
    if (!product || product.deletedAt) throw new NotFoundError(`Product ${line.productId}`);
    return { productId: line.productId, name: product.name, unitPrice: product.price, quantity: line.quantity, lineTotal: product.price * line.quantity };
  });
  const currencies = new Set(lines.map((line) => products.get(line.productId)!.currency));
  if (currencies.size > 1) throw new BadRequestError('All products of an order must have the same currency', { currencies: [...currencies] });
  return { items, currency: [...currencies][0]! };
}

/**
 * The lines' products and, with an Idempotency-Key, the order it names, in one BatchGetItem
 * (strongly consistent when it reads the keyed order or carries a pending session's lookup).
 */
async function readForPlacement(productIds: readonly string[], keyedId: string | undefined, session: PendingSession | undefined) {
  const keyed = keyedId ? [orderKey(keyedId)] : [];
  const items = await readJoined(session, [...productIds.map(productKey), ...keyed], { consistent: keyedId !== undefined });
  const keyedItem = keyedId ? items.find((item) => item.pk === orderKey(keyedId).pk) : undefined;
  const products = new Map(items.filter((item) => item !== keyedItem).map((item) => [item.id as string, toProductRecord(item)]));
  rememberSnapshots(products.values());
  return { products, keyedOrder: keyedItem ? toOrderRecord(keyedItem) : undefined };
}

function orderItems(order: OrderRecord): TransactItems {
  return [
    {
      Put: {
        TableName: tableName,
        Item: {
          ...orderKey(order.id),
          type: 'order',
          ...order,
          gsi1pk: userOrdersPartition(order.userId),
          gsi1sk: `ORDER#${order.createdAt}#${order.id}`,
          gsi2pk: statusPartition(order.status, order.id),
          gsi2sk: `${order.createdAt}#${order.id}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...orderIndexKey(order.id), type: 'orderIndex', orderId: order.id, userId: order.userId, status: order.status, gsi1pk: allOrdersPartition(order.id), gsi1sk: `${order.createdAt}#${order.id}` },
      },
    },
  ];
}

export interface PlaceOrderRequest {
  readonly userId: string;
  readonly input: PlaceOrderInput;
  readonly idempotencyKey?: string | undefined;
  /** The HTTP route's session, looked up in the products' read (shared/auth/pending-session.ts). */
  readonly session?: PendingSession;
}

/**
 * Places an order in one transaction: from the cart (each live hold moves into the order,
 * conditioned on still existing unchanged and unexpired) or from `items` (each product's
 * stock taken conditionally). With an Idempotency-Key, a replay with the same body returns
 * the first order, even when replays race; another body is a 422.
 */
export async function placeOrder(request: PlaceOrderRequest): Promise<{ order: OrderRecord; replayed: boolean }> {
  const requestHash = createHash('sha256').update(JSON.stringify(request.input)).digest('base64url');
  const replay = async (): Promise<OrderRecord | undefined> => {
    if (!request.idempotencyKey) return undefined;
    const existing = await findOrder(idempotentOrderId(request.userId, request.idempotencyKey));
    if (!existing || (existing.idempotencyExpiresAt ?? 0) <= Date.now()) return undefined;
    if (existing.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
    return existing;
  };
  /** The cart had live holds on an earlier attempt: if they are gone now, they expired under us. */
  let heldBefore = false;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const now = Date.now();
    const keyedId = request.idempotencyKey ? idempotentOrderId(request.userId, request.idempotencyKey) : undefined;
    const createdAt = new Date(now).toISOString();
    const fromCart = !request.input.items;
    const holds = fromCart ? (await cartHolds(request.userId)).filter((hold) => hold.expiresAt > now) : [];
    if (fromCart && holds.length === 0) {
      // The cart may have been emptied by a concurrent replay that placed the keyed order.
      const winner = await replay();
      if (winner) return { order: winner, replayed: true };
      // Holds read on an earlier attempt expired (or the schedule released them) before this
      // request's transaction: a conflict with the clock, not a bad request. Nothing was written.
      if (heldBefore) throw new ConflictError('The holds in your cart expired while the order was being placed; nothing was ordered');
      throw new BadRequestError('The cart is empty (or its holds have expired)');
    }
    if (fromCart) heldBefore = true;
    const lines = fromCart ? holds.map(({ productId, quantity }) => ({ productId, quantity })) : mergeLines(request.input.items!);
    // An order from `items` without a key, of products this container has seen: no read at all.
    // The stock takes are conditioned on the snapshots and a pending session's checks ride in
    // the transaction (one call in all).
    const snapshots = !fromCart && !keyedId ? snapshotsOf(lines.map((line) => line.productId)) : undefined;
    const { products, keyedOrder } = snapshots ? { products: snapshots, keyedOrder: undefined } : await readForPlacement(lines.map((line) => line.productId), keyedId, request.session);
    // Checked on every attempt: a concurrent replay may have placed the keyed order since this
    // request started (and emptied the cart by doing so). Answer with it, never place another.
    if (keyedOrder && (keyedOrder.idempotencyExpiresAt ?? 0) > now) {
      if (keyedOrder.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
      return { order: keyedOrder, replayed: true };
    }
    const { items, currency } = snapshotLines(lines, products, fromCart);
    const total = items.reduce((sum, line) => sum + line.lineTotal, 0);
    // Only a keyed order whose key has expired takes the derived id's place: then a new id.
    const id = keyedId && !keyedOrder ? keyedId : ulid();
    const order: OrderRecord = {
      id,
      userId: request.userId,
      status: 'pending',
      paymentStatus: 'pending',
      items,
      total,
      amountPaid: 0,
      amountDue: total,
      currency,
      shippingAddress: request.input.shippingAddress,
      statusHistory: [{ status: 'pending', at: createdAt, by: request.userId }],
      createdAt,
      updatedAt: createdAt,
      stockOwned: true,
      countsAsUnpaid: true,
      requestHash,
      ...(request.idempotencyKey && id === keyedId ? { idempotencyExpiresAt: now + IDEMPOTENCY_TTL_MS } : {}),
    };
    const stockItems: TransactItems = fromCart
      ? [
          ...holds.map((hold) => ({
            Delete: {
              TableName: tableName,
              Key: holdKey(request.userId, hold.productId),
              ConditionExpression: 'quantity = :quantity AND expiresAt = :expiresAt AND expiresAt > :now',
              ExpressionAttributeValues: { ':quantity': hold.quantity, ':expiresAt': hold.expiresAt, ':now': now },
            },
          })),
          {
            Update: {
              TableName: tableName,
              Key: cartHeaderKey(request.userId),
              UpdateExpression: 'ADD #lines :minus',
              ExpressionAttributeNames: { '#lines': 'lines' },
              ExpressionAttributeValues: { ':minus': -holds.length },
            },
          },
        ]
      : lines.map((line) => takeStockItem(line.productId, line.quantity, snapshots?.get(line.productId)));
    const capCheck = failWhenCapReached(request.userId, maxUnpaidOrders);
    const stockCheck = fromCart ? undefined : failFastWhenUnavailable(lines);
    const countIndex = stockItems.length + 2;
    try {
      // The session's ConditionChecks: none when the read above already confirmed it.
      await transactWrite([...stockItems, ...orderItems(order), countUnpaidItem(request.userId, maxUnpaidOrders), ...(request.session?.conditionChecks() ?? [])], {
        beforeRetry: async () => {
          await stockCheck?.();
          await capCheck();
        },
      });
      request.session?.committed();
      return { order, replayed: false };
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
      const refusal = request.session?.refusal(error, countIndex + 1);
      if (refusal) throw refusal;
      if (error.failedAt(countIndex)) {
        // A concurrent replay of this key may have placed the order (and taken the last slot).
        const winner = await replay();
        if (winner) return { order: winner, replayed: true };
        throw new TooManyUnpaidOrdersError(maxUnpaidOrders);
      }
      if (error.failedAt(stockItems.length)) {
        // The keyed order exists: a concurrent replay won the race.
        const winner = await replay();
        if (winner) return { order: winner, replayed: true };
        continue;
      }
      if (!fromCart) {
        const index = lines.findIndex((_, i) => error.failedAt(i));
        // Only the snapshot was out of date: again, with the product as the cancellation returned it.
        if (index >= 0 && snapshots && refreshedFrom(error.oldItem(index), lines[index]!.quantity)) continue;
        if (index >= 0) throw takeStockFailure(error, index, lines[index]!.productId, lines[index]!.quantity);
      }
      // A hold changed, expired or was released meanwhile: read the cart again.
    }
  }
  throw new ConflictError('The cart changed while the order was being placed; try again');
}

/**
 * Moves an order to `to` if the state machine allows `actor` to. Moves that give stock back
 * do it in the same transaction, conditioned on the order still owning it.
 */
export async function changeOrderStatus(input: {
  orderId: string;
  to: OrderStatus;
  actor: Actor;
  by: string;
  note?: string | undefined;
  order?: OrderRecord;
  /**
   * More writes that must commit with the status change or not at all (a payment record,
   * a shipment), built from the order as read. Their conditions failing cancels
   * the change: the error is rethrown as TransactionCancelled with indexes after the
   * status-change items (see `statusChangeItemCount`).
   */
  extraItems?: (order: OrderRecord) => TransactItems;
  /**
   * More attributes of the order item itself, set in the status change's own update (one
   * transaction cannot write an item twice): `set` is appended to its SET clause and
   * `condition` ANDed to its condition (a failure there reads as a status conflict: the order
   * is read again and both callbacks run again on it). Use names/values not starting with
   * `:to :from :partition :now :change :true :false` or `#status`.
   */
  orderUpdate?: (order: OrderRecord) => { set?: string; condition?: string; values: Record<string, unknown> };
  /** Between conflict retries: may throw the answer the change would end in (see transactWrite). */
  beforeRetry?: () => Promise<void>;
}): Promise<{ order: OrderRecord; from: OrderStatus }> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const order = (attempt === 0 ? input.order : undefined) ?? (await findOrder(input.orderId));
    if (!order) throw new NotFoundError('Order');
    if (!canTransition(order.status, input.to, input.actor)) throw new InvalidTransitionError(order.status, input.to, transitionHint(order.status, input.to, input.actor));
    const giveBack = returnsStock(input.to);
    const now = new Date().toISOString();
    const change: StatusChange = { status: input.to, at: now, by: input.by, ...(input.note ? { note: input.note } : {}) };
    const more = input.orderUpdate?.(order);
    const items: TransactItems = [
      {
        Update: {
          TableName: tableName,
          Key: orderKey(order.id),
          UpdateExpression: `SET #status = :to, gsi2pk = :partition, updatedAt = :now, statusHistory = list_append(statusHistory, :change)${giveBack ? ', stockOwned = :false' : ''}${more?.set ? `, ${more.set}` : ''}`,
          ConditionExpression: `#status = :from${giveBack ? ' AND stockOwned = :true' : ''}${more?.condition ? ` AND (${more.condition})` : ''}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':to': input.to,
            ':from': order.status,
            ':partition': statusPartition(input.to, order.id),
            ':now': now,
            ':change': [change],
            ...(giveBack ? { ':false': false, ':true': true } : {}),
            ...more?.values,
          },
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: orderIndexKey(order.id),
          UpdateExpression: 'SET #status = :to',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': input.to },
        },
      },
      ...(giveBack ? order.items.map((line) => returnStockItem(line.productId, line.quantity)) : []),
      // Leaving pending/failed frees one of the customer's unpaid-order slots, exactly once (the
      // move is conditioned on the status it leaves).
      ...(releasesUnpaidSlot(order, input.to) ? [uncountUnpaidItem(order.userId)] : []),
    ];
    const extra = input.extraItems?.(order) ?? [];
    try {
      await transactWrite([...items, ...extra], { beforeRetry: input.beforeRetry });
      return { order: { ...order, status: input.to, updatedAt: now, stockOwned: giveBack ? false : order.stockOwned, statusHistory: [...order.statusHistory, change] }, from: order.status };
    } catch (error) {
      if (!(error instanceof TransactionCancelled) || !error.failedAt(0)) throw error;
      // The status moved meanwhile; decide again on the fresh order.
    }
  }
  throw new ConflictError('The order is changing concurrently; try again');
}

const releasesUnpaidSlot = (order: OrderRecord, to: OrderStatus) => order.countsAsUnpaid === true && unpaidDelta(order.status, to) < 0;

const uncountUnpaidItem = (userId: string): TransactItems[number] => ({
  Update: {
    TableName: tableName,
    Key: unpaidOrdersKey(userId),
    UpdateExpression: 'ADD #count :minusOne',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':minusOne': -1 },
  },
});

/** How many items a status change writes before `extraItems`: order, index item, stock returns, the unpaid count. */
export const statusChangeItemCount = (order: OrderRecord, to: OrderStatus) =>
  2 + (returnsStock(to) ? order.items.length : 0) + (releasesUnpaidSlot(order, to) ? 1 : 0);

export interface OrderListFilter extends Omit<ListOrdersQuery, 'limit' | 'cursor'> {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/**
 * Which index serves which listing (no Scan):
 *   a customer (or admin with userId) → gsi1 USER#<id>, createdAt range; status as a filter
 *   admin with status                 → gsi2 STATUS#<status>#0..15 merged, createdAt range
 *   admin, everything                 → gsi1 ORDERS#0..15 index items merged, createdAt range, then BatchGet
 * Newest first.
 */
export async function listOrders(filter: OrderListFilter): Promise<Page<OrderRecord>> {
  const from = filter.from ? new Date(filter.from).toISOString() : undefined;
  // A date without a time includes that whole day.
  const toInstant = filter.to && /^\d{4}-\d{2}-\d{2}$/.test(filter.to) ? `${filter.to}T23:59:59.999Z` : filter.to;
  const to = toInstant ? `${new Date(toInstant).toISOString()}~` : undefined;
  const common = { limit: filter.limit, cursor: filter.cursor };
  const statusFilter = filter.status
    ? { expression: '#status = :status', names: { '#status': 'status' }, values: { ':status': filter.status } }
    : undefined;
  if (filter.userId !== undefined) {
    const partition = userOrdersPartition(filter.userId);
    const page = await queryPage({
      query: {
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :to',
        ...(statusFilter ? { FilterExpression: statusFilter.expression, ExpressionAttributeNames: statusFilter.names } : {}),
        ExpressionAttributeValues: { ':p': partition, ':from': `ORDER#${from ?? '0000'}`, ':to': `ORDER#${to ?? '9999'}`, ...statusFilter?.values },
        ScanIndexForward: false,
      },
      keyAttributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
      scope: `orders:${partition}:${from}:${to}:${filter.status ?? ''}`,
      ...common,
    });
    return { ...page, items: page.items.map(toOrderRecord) };
  }
  if (filter.status) {
    const page = await queryShards({
      index: 'gsi2',
      partitions: statusPartitions(filter.status),
      from,
      to,
      descending: true,
      scope: `orders:status:${filter.status}:${from}:${to}`,
      ...common,
    });
    return { ...page, items: page.items.map(toOrderRecord) };
  }
  const page = await queryShards({ index: 'gsi1', partitions: ALL_ORDERS_PARTITIONS, from, to, descending: true, scope: `orders:all:${from}:${to}`, ...common });
  const orders = await batchGetInOrder(page.items.map((item) => orderKey(item.orderId as string)));
  return { ...page, reads: page.reads + orders.calls, items: orders.items.map(toOrderRecord) };
}
