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
 *
 * Refunds that fail later. Stripe may accept a refund (`succeeded` or `pending`) and report it
 * `failed` or `canceled` days later (`refund.failed`, `refund.updated`, `charge.refund.updated`):
 * the money never left. A refund issued here then moves to `failed` (refundFailureMove) and stops
 * counting; and Stripe's cumulative figure must stop counting it too. Stripe does not document
 * whether a charge's `amount_refunded` drops after a failure, and it sends no `charge.refunded`
 * for such a drop, so the charge keeps the failed refunds it was told of (`failed`: id, amount,
 * Stripe's `created` of the refund and of the failure) and stripeChargeFigure takes them out of
 * the reports that contain them, under either behaviour. Reports are ordered by Stripe's event
 * `created` (newerChargeReport), not by size: a later, lower figure wins.
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
  /** When its status last changed (a succeeded refund: when Stripe had accepted it). */
  readonly updatedAt?: string;
}

/** A Stripe refund of a charge that Stripe reported `failed` or `canceled`. */
export interface FailedStripeRefund {
  readonly stripeRefundId: string;
  readonly amount: number;
  /** Stripe's `created` of the refund (Unix seconds). */
  readonly created: number;
  /** Stripe's `created` of the first event that reported the failure (Unix seconds). */
  readonly failedAt: number;
}

/** A charge's cumulative refunded amount as Stripe last reported it, and the refunds of it that failed. */
export interface LedgerChargeRefund {
  readonly chargeId: string;
  readonly paymentIntentId: string | null;
  /** `amount_refunded` of the latest charge.refunded (0: none yet, only failures known). */
  readonly amount: number;
  /** Stripe's `created` of the event that reported `amount` (Unix seconds); absent: written before this was kept, or no report yet. */
  readonly reportedAt?: number | undefined;
  readonly failed?: readonly FailedStripeRefund[] | undefined;
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

/**
 * What Stripe's report of a charge counts as refunded: its `amount_refunded` without the failed
 * refunds in it. A failed refund created after the report is not in it. One created before is
 * in it if Stripe keeps counting failed refunds, or if it failed after the report; if Stripe
 * lowers the figure on a failure, a report made after the failure leaves it out already. Stripe
 * does not say which it does, so both readings are made: "keeps counting" unless that leaves
 * less than the succeeded refunds issued here that the report must contain (Stripe had created
 * them by then: completed here before that second) — then Stripe lowered its figure. A report
 * with no time (kept before times were) is taken to include every failure known.
 */
export function stripeChargeFigure(charge: LedgerChargeRefund, issuedHere: readonly LedgerRefund[] = []): number {
  if (charge.amount <= 0) return 0;
  const at = charge.reportedAt ?? Number.POSITIVE_INFINITY;
  const existed = (charge.failed ?? []).filter((refund) => refund.created <= at);
  const keepsCounting = charge.amount - sum(existed.map((refund) => refund.amount));
  const lowered = charge.amount - sum(existed.filter((refund) => refund.failedAt > at).map((refund) => refund.amount));
  const mustContain = sum(
    issuedHere
      .filter((refund) => refund.paymentId === charge.paymentIntentId && refund.status === 'succeeded' && refund.updatedAt !== undefined && Math.floor(Date.parse(refund.updatedAt) / 1000) <= at)
      .map((refund) => refund.amount),
  );
  return Math.max(0, keepsCounting >= mustContain ? keepsCounting : lowered);
}

/**
 * Whether a charge.refunded report replaces the one kept: the later one by Stripe's event time
 * wins (a figure may go down after a failure); at the same second, or against a report kept
 * without a time, the larger one (the figure only grows between failures).
 */
export function newerChargeReport(kept: Pick<LedgerChargeRefund, 'amount' | 'reportedAt'> | undefined, next: { amount: number; reportedAt: number }): boolean {
  if (!kept || (kept.amount === 0 && kept.reportedAt === undefined)) return true;
  if (kept.reportedAt === undefined || kept.reportedAt === next.reportedAt) return next.amount > kept.amount;
  return next.reportedAt > kept.reportedAt;
}

/**
 * Stripe reports a refund failed (or canceled): a refund issued here that was `pending` or
 * `succeeded` moves to `failed`; one already `failed` stays (a repeat: refund.failed,
 * refund.updated and charge.refund.updated all report the same failure). Nothing else moves.
 */
export function refundFailureMove(status: RefundStatus): 'failed' | undefined {
  return status === 'pending' || status === 'succeeded' ? 'failed' : undefined;
}

export interface RefundFailure {
  readonly stripeRefundId: string;
  /** metadata.refundId of a refund issued here. */
  readonly refundId?: string | undefined;
  readonly chargeId: string | null;
  readonly amount: number;
  readonly created: number;
  readonly failedAt: number;
}

/**
 * What a Stripe refund failure changes in one order's ledger: the refund issued here that moves
 * to `failed` (found by metadata.refundId, else by its Stripe refund id), and whether the charge
 * learns of the failure (once per Stripe refund). `found` is the refund issued here, if any,
 * whatever its status. Nothing to change: a repeat, recorded only.
 */
export function planRefundFailure<R extends LedgerRefund & { readonly stripeRefundId?: string | null; readonly provider?: string }>(
  ledger: { readonly refunds: readonly R[]; readonly chargeRefunds: readonly LedgerChargeRefund[] },
  failure: RefundFailure,
): { found: R | undefined; move: R | undefined; chargeLearns: boolean } {
  const found =
    ledger.refunds.find((refund) => failure.refundId !== undefined && refund.id === failure.refundId && refund.provider !== 'manual') ??
    ledger.refunds.find((refund) => refund.stripeRefundId === failure.stripeRefundId);
  const move = found && refundFailureMove(found.status) ? found : undefined;
  const charge = failure.chargeId === null ? undefined : ledger.chargeRefunds.find((c) => c.chargeId === failure.chargeId);
  const chargeLearns = failure.chargeId !== null && !(charge?.failed ?? []).some((refund) => refund.stripeRefundId === failure.stripeRefundId);
  return { found, move, chargeLearns };
}

/** The charge's record with one more failed refund (the rest of the record unchanged). */
export const withFailedRefund = <C extends LedgerChargeRefund>(charge: C, failure: RefundFailure): C => ({
  ...charge,
  failed: [...(charge.failed ?? []), { stripeRefundId: failure.stripeRefundId, amount: failure.amount, created: failure.created, failedAt: failure.failedAt }],
});

/** Per payment id: refunded, reserved, refundable. */
export function refundPositions(ledger: RefundLedger): Map<string, RefundPosition> {
  return new Map(
    ledger.payments.map((payment) => {
      const mine = ledger.refunds.filter((refund) => refund.paymentId === payment.id);
      const issuedHere = sum(mine.filter((refund) => refund.status === 'succeeded').map((refund) => refund.amount));
      const pending = sum(mine.filter((refund) => refund.status === 'pending').map((refund) => refund.amount));
      const stripe = sum(ledger.chargeRefunds.filter((charge) => charge.paymentIntentId === payment.id).map((charge) => stripeChargeFigure(charge, ledger.refunds)));
      const refunded = Math.min(payment.amount, Math.max(issuedHere, stripe));
      const reserved = Math.min(payment.amount, refunded + pending);
      return [payment.id, { refunded, reserved, refundable: payment.amount - reserved }];
    }),
  );
}

/** Stripe refunds of payment intents this order has no payment for (yet): a refund that came before its payment. */
export const unattributedRefunds = (ledger: RefundLedger): number =>
  sum(ledger.chargeRefunds.filter((charge) => !ledger.payments.some((payment) => payment.id === charge.paymentIntentId)).map((charge) => stripeChargeFigure(charge, ledger.refunds)));

/** What Stripe reports refunded beyond the refunds issued here (made in the Stripe dashboard), for the order detail. */
export function stripeOnlyRefunds(ledger: RefundLedger): { paymentId: string | null; chargeId: string; amount: number }[] {
  return ledger.chargeRefunds.flatMap((charge) => {
    const issuedHere = sum(ledger.refunds.filter((refund) => refund.paymentId === charge.paymentIntentId && refund.status === 'succeeded').map((refund) => refund.amount));
    const beyond = stripeChargeFigure(charge, ledger.refunds) - issuedHere;
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
