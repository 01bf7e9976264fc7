/**
 * order.placed from the table's stream (an outbox): the event leaves only once the order's
 * transaction has committed, and leaves even when the placing function dies right after it, so
 * the order-received email can neither be lost nor precede a rolled-back order. POST /orders
 * sends nothing itself, which keeps the queue off checkout's path.
 */
import type { ItemChange } from '../analytics/counter-aggregator.js';
import { publishEvent } from './publish.js';

/** The event a change stands for: a new order item (stream INSERT); nothing for any other change. */
export function placedOrderEvent(change: ItemChange): { id: string; orderId: string; userId: string } | undefined {
  const order = change.after;
  if (change.before || order?.type !== 'order' || change.keys.sk !== 'ORDER') return undefined;
  // Deterministic: a stream record delivered again publishes the same id, which the processor drops.
  return { id: `order.placed:${String(order.id)}`, orderId: String(order.id), userId: String(order.userId) };
}

/** Publishes the changes' order.placed events at once; returns the first change whose event could not be sent. */
export async function publishPlacedOrders(changes: readonly ItemChange[]): Promise<ItemChange | undefined> {
  const placed = changes.flatMap((change) => {
    const event = placedOrderEvent(change);
    return event ? [{ change, event }] : [];
  });
  const sent = await Promise.allSettled(placed.map(({ event }) => publishEvent('order.placed', { orderId: event.orderId, userId: event.userId }, { id: event.id })));
  const failed = sent.findIndex((result) => result.status === 'rejected');
  return failed >= 0 ? placed[failed]!.change : undefined;
}
