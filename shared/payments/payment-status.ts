/**
 * An order's payment status, derived by one pure function from its recorded payments and
 * refunds. Only payments with status `succeeded` count: failed attempts, payments whose amount
 * or currency did not match the order (`needs_review`) and payments that arrived for an order
 * that can no longer be paid (`refund_required`) are recorded but never move money on the order.
 *
 *   net = Σ succeeded payments − Σ refunds
 *   refunded        something was refunded and net ≤ 0
 *   completed       net ≥ total (overpaid when net > total)
 *   partially_paid  0 < net < total (also after a partial refund)
 *   pending         nothing counted yet
 */
import { ConflictError } from '../errors.js';
import type { OrderStatus } from '../orders/order-status.js';

export const PAYMENT_STATUSES = ['pending', 'partially_paid', 'completed', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export type PaymentRecordStatus = 'succeeded' | 'needs_review' | 'refund_required';

export interface PaymentSummary {
  readonly status: PaymentStatus;
  /** Net amount received: succeeded payments minus refunds, never below 0. */
  readonly amountPaid: number;
  readonly amountRefunded: number;
  /** What is still owed, never negative. */
  readonly amountDue: number;
  /** Net received beyond the total (0 unless overpaid). */
  readonly overpaidBy: number;
}

export function derivePaymentStatus(input: {
  total: number;
  payments: readonly { amount: number; status: PaymentRecordStatus }[];
  refunds: readonly { amount: number }[];
}): PaymentSummary {
  const paid = input.payments.filter((p) => p.status === 'succeeded').reduce((sum, p) => sum + p.amount, 0);
  const amountRefunded = input.refunds.reduce((sum, r) => sum + r.amount, 0);
  const net = paid - amountRefunded;
  const status: PaymentStatus =
    amountRefunded > 0 && net <= 0 ? 'refunded' : net >= input.total && net > 0 ? 'completed' : net > 0 ? 'partially_paid' : 'pending';
  return {
    status,
    amountPaid: Math.max(net, 0),
    amountRefunded,
    amountDue: Math.max(0, input.total - Math.max(net, 0)),
    overpaidBy: Math.max(0, net - input.total),
  };
}

/** Orders that may still take money. Anything else (cancelled, failed, rolled back) gets a refund. */
export const PAYABLE_ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'paid', 'processing', 'shipped', 'delivered'];

/** An admin tried to record a payment for an order that can no longer be paid (issue 12 item 7). */
export class OrderNotPayableError extends ConflictError {
  constructor(status: OrderStatus) {
    super(`This order is ${status} and can no longer take payments; nothing was recorded`, { status });
  }
}

/**
 * How a payment is recorded. Money that does not match what was asked (`mismatch`) needs a
 * human; money for an order that can no longer be paid is recorded as `refund_required` when
 * it already arrived on its own (Stripe, late), and refused when an admin is recording it
 * (they can simply not take it).
 */
export function paymentRecordStatus(input: { orderStatus: OrderStatus; mismatch: boolean; recordedBy: 'admin' | 'provider' }): PaymentRecordStatus {
  const payable = PAYABLE_ORDER_STATUSES.includes(input.orderStatus);
  if (!payable && input.recordedBy === 'admin') throw new OrderNotPayableError(input.orderStatus);
  return input.mismatch ? 'needs_review' : payable ? 'succeeded' : 'refund_required';
}
