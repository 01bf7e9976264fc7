/**
 * The order state machine of API.md, as one pure function. Who may make a move matters:
 * customers may only cancel pending orders; the two *_stock_rolledback states are reached
 * only by the scheduled rollback; `failed` only through a payment provider.
 */
export const ORDER_STATUSES = [
  'pending',
  'paid',
  'processing',
  'shipped',
  'delivered',
  'failed',
  'failed_stock_rolledback',
  'pending_stock_rolledback',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type Actor = 'customer' | 'admin' | 'payment' | 'scheduler';

const moves: Record<OrderStatus, Partial<Record<OrderStatus, readonly Actor[]>>> = {
  pending: {
    // Admins may confirm an offline payment by hand until recorded payments exist (issue 5).
    paid: ['payment', 'admin'],
    failed: ['payment'],
    cancelled: ['customer', 'admin'],
    pending_stock_rolledback: ['scheduler'],
  },
  paid: { processing: ['admin'], shipped: ['admin'], cancelled: ['admin'] },
  processing: { shipped: ['admin'], cancelled: ['admin'] },
  shipped: { delivered: ['admin'] },
  delivered: {},
  failed: { failed_stock_rolledback: ['scheduler'] },
  failed_stock_rolledback: {},
  pending_stock_rolledback: {},
  cancelled: {},
};

export function canTransition(from: OrderStatus, to: OrderStatus, actor: Actor): boolean {
  return moves[from][to]?.includes(actor) ?? false;
}

/** Moving into these statuses gives the order's stock back (exactly once, in the same transaction). */
export const returnsStock = (to: OrderStatus): boolean =>
  to === 'cancelled' || to === 'pending_stock_rolledback' || to === 'failed_stock_rolledback';

/** Statuses whose orders still hold their products' stock. */
export const ownsStock = (status: OrderStatus): boolean => !returnsStock(status);

export const nextStatuses = (from: OrderStatus, actor: Actor): OrderStatus[] =>
  (Object.keys(moves[from]) as OrderStatus[]).filter((to) => canTransition(from, to, actor));
