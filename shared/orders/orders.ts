/**
 * Order changes as customers and admins make them: ownership, actors, events. Reads are in
 * order-queries.ts, so read-only functions don't load the queue client; placing one is in
 * place-order.ts (it sends no event: the table's stream does).
 */
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { publishAfterCommit } from '../events/publish.js';
import { getOrderFor } from './order-queries.js';
import { changeOrderStatus } from './order-repository.js';
import type { OrderStatus } from './order-status.js';
import type { OrderRecord } from './order.js';

async function moveOrder(auth: AuthContext, order: OrderRecord, to: OrderStatus, note?: string) {
  const { order: moved, from } = await changeOrderStatus({ orderId: order.id, order, to, actor: isAdmin(auth) ? 'admin' : 'customer', by: auth.userId, note });
  await publishAfterCommit('order.status_changed', { orderId: moved.id, userId: moved.userId, from, to, ...(note ? { note } : {}) });
  return moved;
}

export async function cancelOrderFor(auth: AuthContext, orderId: string) {
  return moveOrder(auth, await getOrderFor(auth, orderId), 'cancelled');
}

export async function setOrderStatus(auth: AuthContext, orderId: string, to: OrderStatus, note?: string) {
  return moveOrder(auth, await getOrderFor(auth, orderId), to, note);
}
