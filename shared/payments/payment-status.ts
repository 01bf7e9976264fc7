/**
 * An order's payment status, derived by one pure function from its recorded payments and
 * refunds. Only payments with status `succeeded` count: failed attempts, payments whose amount
 * or currency did not match the order (`needs_review`) and payments that arrived for an order
 * that can no longer be paid (`refund_required`) are recorded but never move money on the order
 * (they can still be refunded: that money came in).
 *
 *   net      = Σ succeeded payments' (amount − refunded) − refunds not matched to a payment
 *   received = Σ every payment's amount;  back = Σ every payment's refunded + unmatched refunds
 *   completed           net ≥ total (overpaid when net > total; also after refunding an overpayment)
 *   refunded            something came back and it is all of what was received
 *   partially_refunded  something came back, not all of it
 *   partially_paid      0 < net < total, nothing refunded
 *   pending             nothing counted yet
 */
import { ConflictError } from '../errors.js';
import type { OrderStatus } from '../orders/order-status.js';

export const PAYMENT_STATUSES = ['pending', 'partially_paid', 'completed', 'partially_refunded', 'refunded'] as const;
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
  /** `refunded`: what came back on this payment (shared/payments/refunds.ts refundPositions). */
  payments: readonly { amount: number; status: PaymentRecordStatus; refunded?: number }[];
  /** Money back that no recorded payment accounts for (a Stripe refund that came before its payment). */
  refunds: readonly { amount: number }[];
}): PaymentSummary {
  const unmatched = input.refunds.reduce((sum, r) => sum + r.amount, 0);
  const net = input.payments.filter((p) => p.status === 'succeeded').reduce((sum, p) => sum + p.amount - (p.refunded ?? 0), 0) - unmatched;
  const received = input.payments.reduce((sum, p) => sum + p.amount, 0);
  const amountRefunded = input.payments.reduce((sum, p) => sum + (p.refunded ?? 0), 0) + unmatched;
  const status: PaymentStatus =
    net >= input.total && net > 0
      ? 'completed'
      : amountRefunded > 0
        ? amountRefunded >= received ? 'refunded' : 'partially_refunded'
        : net > 0 ? 'partially_paid' : 'pending';
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
