/**
 * Refund rules, as pure functions over one order's ledger (no AWS, unit-tested).
 *
 * Money comes back two ways, and both may describe the same refund:
 *   - refunds issued here (`POST /orders/{id}/refunds`): one record each, `pending` while Stripe
 *     is being asked, then `succeeded` (or `failed`); offline payments are `succeeded` at once;
 *   - Stripe's `charge.refunded` webhook: the charge's cumulative `amount_refunded`, which
 *     includes the refunds issued here and any made in the Stripe dashboard.
 *
 * So a payment's refunded amount is `max(Σ succeeded refunds issued here, Stripe's cumulative
 * figure for its payment intent)`: a webhook for a refund issued here adds nothing, a dashboard
 * refund adds its part, whichever arrives first. What may still be refunded also holds back the
 * pending refunds (they may or may not be in Stripe's figure yet: counting them again only
 * refuses a refund too many for a moment, never allows one too many; Stripe itself refuses a
 * refund beyond the charge).
 */
import { AppError, NotFoundError } from '../errors.js';
import { derivePaymentStatus, type PaymentRecordStatus, type PaymentSummary } from './payment-status.js';

export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export interface LedgerPayment {
  readonly id: string;
  readonly amount: number;
  readonly status: PaymentRecordStatus;
  readonly provider: 'stripe' | 'manual';
  readonly createdAt: string;
}

export interface LedgerRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly status: RefundStatus;
}

/** A charge's cumulative refunded amount as Stripe last reported it. */
export interface LedgerChargeRefund {
  readonly chargeId: string;
  readonly paymentIntentId: string | null;
  readonly amount: number;
}

export interface RefundLedger {
  readonly payments: readonly LedgerPayment[];
  readonly refunds: readonly LedgerRefund[];
  readonly chargeRefunds: readonly LedgerChargeRefund[];
}

export interface RefundPosition {
  /** Money back on this payment: what counts (order figures, analytics). */
  readonly refunded: number;
  /** `refunded` plus the refunds still pending here. */
  readonly reserved: number;
  /** What may still be refunded on this payment. */
  readonly refundable: number;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** Per payment id: refunded, reserved, refundable. */
export function refundPositions(ledger: RefundLedger): Map<string, RefundPosition> {
  return new Map(
    ledger.payments.map((payment) => {
      const mine = ledger.refunds.filter((refund) => refund.paymentId === payment.id);
      const issuedHere = sum(mine.filter((refund) => refund.status === 'succeeded').map((refund) => refund.amount));
      const pending = sum(mine.filter((refund) => refund.status === 'pending').map((refund) => refund.amount));
      const stripe = sum(ledger.chargeRefunds.filter((charge) => charge.paymentIntentId === payment.id).map((charge) => charge.amount));
      const refunded = Math.min(payment.amount, Math.max(issuedHere, stripe));
      const reserved = Math.min(payment.amount, refunded + pending);
      return [payment.id, { refunded, reserved, refundable: payment.amount - reserved }];
    }),
  );
}

/** Stripe refunds of payment intents this order has no payment for (yet): a refund that came before its payment. */
export const unattributedRefunds = (ledger: RefundLedger): number =>
  sum(ledger.chargeRefunds.filter((charge) => !ledger.payments.some((payment) => payment.id === charge.paymentIntentId)).map((charge) => charge.amount));

/** What Stripe reports refunded beyond the refunds issued here (made in the Stripe dashboard), for the order detail. */
export function stripeOnlyRefunds(ledger: RefundLedger): { paymentId: string | null; chargeId: string; amount: number }[] {
  return ledger.chargeRefunds.flatMap((charge) => {
    const issuedHere = sum(ledger.refunds.filter((refund) => refund.paymentId === charge.paymentIntentId && refund.status === 'succeeded').map((refund) => refund.amount));
    const beyond = charge.amount - issuedHere;
    return beyond > 0 ? [{ paymentId: charge.paymentIntentId, chargeId: charge.chargeId, amount: beyond }] : [];
  });
}

export class RefundExceedsRefundableError extends AppError {
  readonly status = 409;
  readonly code = 'REFUND_EXCEEDS_REFUNDABLE';
}

/**
 * Which payment a refund of `amount` goes against. With `paymentId`, that payment (404 if the
 * order has none such); without, the newest payment that can take all of it. More than can be
 * refunded is a 409 naming what can: a refund is against one payment (one Stripe charge), so a
 * larger one is split by the caller.
 */
export function planRefund(ledger: RefundLedger, request: { amount: number; paymentId?: string | undefined }): { payment: LedgerPayment; position: RefundPosition } {
  const positions = refundPositions(ledger);
  const refundable = ledger.payments
    .map((payment) => ({ paymentId: payment.id, refundable: positions.get(payment.id)!.refundable }))
    .filter((entry) => entry.refundable > 0);
  const total = sum(refundable.map((entry) => entry.refundable));
  if (request.paymentId !== undefined) {
    const payment = ledger.payments.find((p) => p.id === request.paymentId);
    if (!payment) throw new NotFoundError('Payment');
    const position = positions.get(payment.id)!;
    if (request.amount > position.refundable) {
      throw new RefundExceedsRefundableError(`At most ${position.refundable} can still be refunded on payment ${payment.id}`, { paymentId: payment.id, refundable: position.refundable, requested: request.amount });
    }
    return { payment, position };
  }
  const newestFirst = [...ledger.payments].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const payment = newestFirst.find((p) => positions.get(p.id)!.refundable >= request.amount);
  if (payment) return { payment, position: positions.get(payment.id)! };
  throw new RefundExceedsRefundableError(
    total >= request.amount
      ? `No single payment can take a refund of ${request.amount}; refund each payment separately (paymentId)`
      : `At most ${total} can still be refunded on this order`,
    { refundable: total, requested: request.amount, payments: refundable },
  );
}

/** The order's payment figures from its whole ledger: refunds counted per payment, once. */
export function summarizeLedger(total: number, ledger: RefundLedger): PaymentSummary {
  const positions = refundPositions(ledger);
  return derivePaymentStatus({
    total,
    payments: ledger.payments.map((payment) => ({ amount: payment.amount, status: payment.status, refunded: positions.get(payment.id)!.refunded })),
    refunds: [{ amount: unattributedRefunds(ledger) }],
  });
}

/** Payments whose counted `refunded` differs from what their item holds: the items a ledger write must update. */
export function refundedChanges(ledger: Omit<RefundLedger, 'payments'> & { payments: readonly (LedgerPayment & { refunded?: number })[] }): { paymentId: string; refunded: number }[] {
  const positions = refundPositions(ledger);
  return ledger.payments.flatMap((payment) => {
    const refunded = positions.get(payment.id)!.refunded;
    return refunded !== (payment.refunded ?? 0) ? [{ paymentId: payment.id, refunded }] : [];
  });
}
