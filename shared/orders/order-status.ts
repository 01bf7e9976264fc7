/**
 * The order state machine of API.md, as one pure function. Who may make a move matters:
 * customers may only cancel pending orders; the two *_stock_rolledback states are reached
 * only by the scheduled rollback; `failed` only through a payment provider; `paid` only
 * through a completed payment (the payment ledger moves the order; an admin records an
 * offline payment with POST /orders/{id}/payments, never sets `paid` by hand).
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
    // Only a completed payment: an admin records an offline payment instead (issue 12 item 6).
    paid: ['payment'],
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

/**
 * What to do instead of a refused move, when there is a better way (the 409's `hint`): `paid`
 * comes from payments, so an admin is pointed at recording one.
 */
export function transitionHint(from: OrderStatus, to: OrderStatus, actor: Actor): string | undefined {
  if (to === 'paid' && actor !== 'payment' && canTransition(from, to, 'payment')) {
    return 'An order becomes paid only through a completed payment: record the payment with POST /orders/{id}/payments (the order moves to paid when its payments reach the total)';
  }
  return undefined;
}

/**
 * Unpaid orders tie up stock: `pending` (waiting for payment) and `failed` (until the rollback
 * returns its stock). Each customer may have at most MAX_UNPAID_ORDERS of them at once.
 */
export const isUnpaid = (status: OrderStatus): boolean => status === 'pending' || status === 'failed';

/** What a move does to the customer's count of unpaid orders: −1 when it leaves the unpaid states. */
export const unpaidDelta = (from: OrderStatus, to: OrderStatus): -1 | 0 => (isUnpaid(from) && !isUnpaid(to) ? -1 : 0);
