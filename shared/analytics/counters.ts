/**
 * Daily sales counters, derived from item changes (the table's stream), never written inside
 * an order's transaction: a shop-wide counter item in every checkout would make all orders of
 * the shop conflict with each other on DynamoDB (see README "Write path and scale").
 *
 *   pk STATS#<yyyy-mm-dd>  sk STATUS    ordersPlaced, s_<status>: orders created that day, by current status
 *                          sk SALES     paidOrders, paidValue, q_<productId>, r_<productId>: orders that became paid that day
 *                          sk PAYMENTS  revenue (succeeded payments − refunds), payments, refunds: money received (and given back) that day
 *
 * `counterIncrements` is a pure function of one item's old and new image: what that change adds
 * to which counter. The aggregator (counter-aggregator.ts) sums a batch of changes and applies
 * each change exactly once. One item per kind and day: a 30-day report is one BatchGetItem of
 * 90 keys. The SALES item grows by two attributes per product sold that day (DynamoDB's 400 KB
 * item limit allows a few thousand distinct products a day).
 */
import type { OrderStatus } from '../orders/order-status.js';
import type { OrderRecord } from '../orders/order.js';

export type CounterKind = 'STATUS' | 'SALES' | 'PAYMENTS';
type Image = Record<string, unknown> | undefined;

export const dayOf = (iso: string): string => iso.slice(0, 10);
export const statsKey = (day: string, kind: CounterKind) => ({ pk: `STATS#${day}`, sk: kind });
export const statusAttribute = (status: OrderStatus) => `s_${status}`;

/** Increments of one counter item: attribute → amount. */
export interface CounterIncrement {
  readonly day: string;
  readonly kind: CounterKind;
  readonly add: Readonly<Record<string, number>>;
}

/**
 * The items whose changes move counters (by sort key); anything else in the table moves none.
 * Also the stream consumer's event filter on AWS (infra/consumers.ts), so Lambda is not even
 * invoked for other changes.
 */
export const COUNTED_SORT_KEYS = { equals: ['ORDER'], prefixes: ['PAYMENT#'] } as const;

export const countedItem = (keys: { sk?: unknown }): boolean =>
  typeof keys.sk === 'string' &&
  ((COUNTED_SORT_KEYS.equals as readonly string[]).includes(keys.sk) || COUNTED_SORT_KEYS.prefixes.some((prefix) => (keys.sk as string).startsWith(prefix)));

const asOrder = (image: Image) => (image?.type === 'order' ? (image as unknown as OrderRecord) : undefined);

function orderIncrements(before: OrderRecord | undefined, after: OrderRecord | undefined): CounterIncrement[] {
  const increments: CounterIncrement[] = [];
  if (!before && after) {
    increments.push({ day: dayOf(after.createdAt), kind: 'STATUS', add: { ordersPlaced: 1, [statusAttribute(after.status)]: 1 } });
  } else if (before && after && before.status !== after.status) {
    increments.push({ day: dayOf(after.createdAt), kind: 'STATUS', add: { [statusAttribute(before.status)]: -1, [statusAttribute(after.status)]: 1 } });
  }
  if (after?.status === 'paid' && before?.status !== 'paid') {
    // Sold on the day the order became paid: the time of that status change.
    const paidAt = [...after.statusHistory].reverse().find((change) => change.status === 'paid')?.at ?? after.updatedAt;
    const add: Record<string, number> = { paidOrders: 1, paidValue: after.total };
    for (const line of after.items) {
      add[`q_${line.productId}`] = (add[`q_${line.productId}`] ?? 0) + line.quantity;
      add[`r_${line.productId}`] = (add[`r_${line.productId}`] ?? 0) + line.lineTotal;
    }
    increments.push({ day: dayOf(paidAt), kind: 'SALES', add });
  }
  return increments;
}

/**
 * Money received counts on the day the payment was recorded; money given back on the day its
 * `refunded` grew. Refunds are read from the payment item's `refunded` only (shared/payments/
 * refunds.ts: a refund issued here and Stripe's charge.refunded for it are one figure there), so
 * each refund moves revenue exactly once; refund items themselves move no counter. Payments that
 * never counted (`needs_review`, `refund_required`) move nothing when refunded either.
 */
function paymentIncrements(before: Image, after: Image): CounterIncrement[] {
  const counted = (image: Image) => image?.status === 'succeeded';
  const received = (image: Image) => (counted(image) ? (image!.amount as number) : 0);
  const refunded = (image: Image) => (counted(image) && typeof image!.refunded === 'number' ? image!.refunded : 0);
  const increments: CounterIncrement[] = [];
  const amount = received(after) - received(before);
  const latest = (after ?? before)!;
  if (amount !== 0) increments.push({ day: dayOf(latest.createdAt as string), kind: 'PAYMENTS', add: { revenue: amount, payments: amount > 0 ? 1 : -1 } });
  const back = refunded(after) - refunded(before);
  if (back !== 0) {
    const at = (typeof latest.refundedAt === 'string' ? latest.refundedAt : latest.createdAt) as string;
    increments.push({ day: dayOf(at), kind: 'PAYMENTS', add: { revenue: -back, refunds: back > 0 ? 1 : -1 } });
  }
  return increments;
}

/** What one item change (old image → new image; either may be missing) adds to the counters. */
export function counterIncrements(change: { keys: { sk?: unknown }; before: Image; after: Image }): CounterIncrement[] {
  const sk = change.keys.sk;
  if (!countedItem(change.keys)) return [];
  if (sk === 'ORDER') return orderIncrements(asOrder(change.before), asOrder(change.after));
  return paymentIncrements(change.before, change.after);
}

/** Sums increments per counter item, dropping amounts that cancel out. */
export function mergeIncrements(increments: readonly CounterIncrement[]): CounterIncrement[] {
  const merged = new Map<string, { day: string; kind: CounterKind; add: Record<string, number> }>();
  for (const increment of increments) {
    const id = `${increment.day}|${increment.kind}`;
    const entry = merged.get(id) ?? { day: increment.day, kind: increment.kind, add: {} };
    for (const [name, value] of Object.entries(increment.add)) entry.add[name] = (entry.add[name] ?? 0) + value;
    merged.set(id, entry);
  }
  return [...merged.values()]
    .map((entry) => ({ ...entry, add: Object.fromEntries(Object.entries(entry.add).filter(([, value]) => value !== 0)) }))
    .filter((entry) => Object.keys(entry.add).length > 0);
}
