import type { PendingSession } from '../auth/pending-session.js';
import { countMetric } from '../metrics.js';
import type { PlaceOrderInput } from '../schemas/orders.js';
import { placeOrder } from './order-repository.js';

/**
 * POST /orders: the session's lookup rides in the placement's product read. order.placed is
 * sent from the table's stream once the order is committed (functions/events/order-facts.ts),
 * so this function neither waits for the queue nor loads its client.
 */
export async function placeOrderFor(session: PendingSession, input: PlaceOrderInput, idempotencyKey: string | undefined) {
  const result = await placeOrder({ userId: session.userId, input, idempotencyKey, session });
  if (!result.replayed) countMetric('OrdersPlaced');
  return result;
}
