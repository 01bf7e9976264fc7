/** Refund rules (issue 11 item 11): pure functions over one order's ledger. */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../shared/errors.js';
import {
  newerChargeReport,
  planRefund,
  planRefundFailure,
  RefundExceedsRefundableError,
  refundFailureMove,
  refundPositions,
  stripeChargeFigure,
  stripeOnlyRefunds,
  summarizeLedger,
  unattributedRefunds,
  withFailedRefund,
  type LedgerChargeRefund,
  type RefundLedger,
} from '../../shared/payments/refunds.js';

const card = { id: 'pi_1', amount: 1000, status: 'succeeded' as const, provider: 'stripe' as const, createdAt: '2026-01-01T10:00:00.000Z' };
const cash = { id: 'P2', amount: 500, status: 'succeeded' as const, provider: 'manual' as const, createdAt: '2026-01-01T11:00:00.000Z' };
const ledger = (partial: Partial<RefundLedger>): RefundLedger => ({ payments: [card, cash], refunds: [], chargeRefunds: [], ...partial });

describe('refundPositions', () => {
  it('nothing refunded: everything refundable', () => {
    expect(Object.fromEntries(refundPositions(ledger({})))).toEqual({
      pi_1: { refunded: 0, reserved: 0, refundable: 1000 },
      P2: { refunded: 0, reserved: 0, refundable: 500 },
    });
  });

  it('a refund issued here and Stripe’s charge.refunded for it count once (whichever came first)', () => {
    const issued = { id: 'R1', paymentId: 'pi_1', amount: 300, status: 'succeeded' as const };
    const webhook = { chargeId: 'ch_1', paymentIntentId: 'pi_1', amount: 300 };
    for (const l of [ledger({ refunds: [issued] }), ledger({ chargeRefunds: [webhook] }), ledger({ refunds: [issued], chargeRefunds: [webhook] })]) {
      expect(refundPositions(l).get('pi_1')).toEqual({ refunded: 300, reserved: 300, refundable: 700 });
    }
  });

  it('a dashboard refund on top of one issued here: Stripe’s cumulative figure wins', () => {
    const l = ledger({ refunds: [{ id: 'R1', paymentId: 'pi_1', amount: 300, status: 'succeeded' }], chargeRefunds: [{ chargeId: 'ch_1', paymentIntentId: 'pi_1', amount: 450 }] });
    expect(refundPositions(l).get('pi_1')).toEqual({ refunded: 450, reserved: 450, refundable: 550 });
    expect(stripeOnlyRefunds(l)).toEqual([{ paymentId: 'pi_1', chargeId: 'ch_1', amount: 150 }]);
  });

  it('pending refunds are held back from what is refundable, not counted as refunded; failed ones are ignored', () => {
    const l = ledger({
      refunds: [
        { id: 'R1', paymentId: 'pi_1', amount: 200, status: 'pending' },
        { id: 'R2', paymentId: 'pi_1', amount: 100, status: 'failed' },
        { id: 'R3', paymentId: 'P2', amount: 500, status: 'succeeded' },
      ],
    });
    expect(refundPositions(l).get('pi_1')).toEqual({ refunded: 0, reserved: 200, refundable: 800 });
    expect(refundPositions(l).get('P2')).toEqual({ refunded: 500, reserved: 500, refundable: 0 });
  });

  it('a refund of a payment intent the order has no payment for is unattributed', () => {
    const l = ledger({ chargeRefunds: [{ chargeId: 'ch_9', paymentIntentId: 'pi_unknown', amount: 700 }, { chargeId: 'ch_1', paymentIntentId: 'pi_1', amount: 100 }] });
    expect(unattributedRefunds(l)).toBe(700);
    expect(refundPositions(l).get('pi_1')!.refunded).toBe(100);
  });
});

describe('planRefund', () => {
  it('without paymentId: the newest payment that can take it all', () => {
    expect(planRefund(ledger({}), { amount: 400 }).payment.id).toBe('P2');
    expect(planRefund(ledger({}), { amount: 600 }).payment.id).toBe('pi_1');
  });

  it('with paymentId: that payment; an unknown one is a 404', () => {
    expect(planRefund(ledger({}), { amount: 100, paymentId: 'pi_1' }).payment.id).toBe('pi_1');
    expect(() => planRefund(ledger({}), { amount: 100, paymentId: 'nope' })).toThrow(NotFoundError);
  });

  it('more than refundable is a 409 REFUND_EXCEEDS_REFUNDABLE naming what can be refunded', () => {
    const spent = ledger({ refunds: [{ id: 'R1', paymentId: 'pi_1', amount: 900, status: 'succeeded' }] });
    expect(() => planRefund(spent, { amount: 101, paymentId: 'pi_1' })).toThrow(RefundExceedsRefundableError);
    try {
      planRefund(spent, { amount: 700 });
    } catch (error) {
      expect(error).toMatchObject({ status: 409, code: 'REFUND_EXCEEDS_REFUNDABLE', details: { refundable: 600, requested: 700 } });
    }
    // 600 in total, but no single payment holds 550: split it.
    expect(() => planRefund(spent, { amount: 550 })).toThrow(/refund each payment separately/);
    expect(() => planRefund(ledger({ payments: [] }), { amount: 1 })).toThrow(RefundExceedsRefundableError);
  });
});

describe('refunds Stripe fails later', () => {
  // A card refund of 700 issued here (Stripe refund re_1, created at t=100) on a payment of 1000.
  const issued = { id: 'R1', paymentId: 'pi_1', amount: 700, status: 'succeeded' as const, stripeRefundId: 're_1', provider: 'stripe' };
  const failure = { stripeRefundId: 're_1', refundId: 'R1', chargeId: 'ch_1', amount: 700, created: 100, failedAt: 200 };
  const report = (amount: number, reportedAt: number | undefined): LedgerChargeRefund => ({ chargeId: 'ch_1', paymentIntentId: 'pi_1', amount, ...(reportedAt !== undefined ? { reportedAt } : {}) });
  /** The ledger after the failure: the refund `failed`, the charge knowing of it. */
  const afterFailure = (charge: LedgerChargeRefund | undefined) => ({
    payments: [card],
    refunds: [{ ...issued, status: 'failed' as const }],
    chargeRefunds: [withFailedRefund(charge ?? { chargeId: 'ch_1', paymentIntentId: 'pi_1', amount: 0 }, failure)],
  });

  it('status moves: pending and succeeded → failed; failed stays (a repeat)', () => {
    expect(refundFailureMove('pending')).toBe('failed');
    expect(refundFailureMove('succeeded')).toBe('failed');
    expect(refundFailureMove('failed')).toBeUndefined();
  });

  it('planRefundFailure finds the refund by metadata.refundId or by its Stripe id, and tells the charge once', () => {
    const ledger = { refunds: [issued], chargeRefunds: [report(700, 100)] };
    expect(planRefundFailure(ledger, failure)).toEqual({ found: issued, move: issued, chargeLearns: true });
    expect(planRefundFailure(ledger, { ...failure, refundId: undefined })).toMatchObject({ move: issued });
    // Already applied (refund.failed, then charge.refund.updated for the same refund): nothing moves.
    const applied = afterFailure(report(700, 100));
    expect(planRefundFailure(applied, failure)).toEqual({ found: applied.refunds[0], move: undefined, chargeLearns: false });
    // A dashboard refund failing: no refund here, the charge learns.
    expect(planRefundFailure({ refunds: [], chargeRefunds: [] }, { ...failure, refundId: undefined, stripeRefundId: 're_dash' })).toEqual({ found: undefined, move: undefined, chargeLearns: true });
    // No charge (not a card refund): only the refund moves.
    expect(planRefundFailure(ledger, { ...failure, chargeId: null })).toMatchObject({ move: issued, chargeLearns: false });
  });

  it('the figures go back: nothing refunded, everything refundable again, the order completed — whether charge.refunded came before or after, and whether Stripe lowers amount_refunded', () => {
    const before = { payments: [card], refunds: [issued], chargeRefunds: [report(700, 100)] };
    expect(summarizeLedger(1000, before)).toMatchObject({ status: 'partially_refunded', amountRefunded: 700, amountPaid: 300 });
    for (const charge of [
      undefined, // the failure first; no charge.refunded yet
      report(700, 100), // charge.refunded (made when the refund was) before or after the failure
      report(700, undefined), // a report kept before report times were
      report(0, 200), // Stripe lowered the figure and reported it after the failure
    ]) {
      const ledger = afterFailure(charge);
      expect(refundPositions(ledger).get('pi_1'), JSON.stringify(charge)).toEqual({ refunded: 0, reserved: 0, refundable: 1000 });
      expect(summarizeLedger(1000, ledger)).toMatchObject({ status: 'completed', amountRefunded: 0, amountPaid: 1000 });
      expect(stripeOnlyRefunds(ledger)).toEqual([]);
    }
  });

  it('refunded again after the failure (R2, 700): counted once, with Stripe lowering amount_refunded or not', () => {
    const retry = { id: 'R2', paymentId: 'pi_1', amount: 700, status: 'succeeded' as const };
    for (const amount of [1400 /* Stripe keeps counting the failed one */, 700 /* Stripe lowered it */]) {
      const ledger = afterFailure(report(amount, 300));
      const withRetry = { ...ledger, refunds: [...ledger.refunds, retry] };
      expect(refundPositions(withRetry).get('pi_1'), String(amount)).toEqual({ refunded: 700, reserved: 700, refundable: 300 });
    }
  });

  it('a dashboard refund beside the failed one stays counted (report made before the failure)', () => {
    // 700 issued here + 200 in the dashboard: Stripe reported 900; then re_1 failed.
    const ledger = afterFailure(report(900, 150));
    expect(refundPositions(ledger).get('pi_1')!.refunded).toBe(200);
    expect(stripeOnlyRefunds(ledger)).toEqual([{ paymentId: 'pi_1', chargeId: 'ch_1', amount: 200 }]);
  });

  it('stripeChargeFigure leaves out failed refunds created at or before the report only', () => {
    const charge = withFailedRefund(report(500, 100), { stripeRefundId: 're_9', amount: 300, created: 120, failedAt: 200, chargeId: 'ch_1' });
    expect(stripeChargeFigure(charge)).toBe(500); // the report predates the refund
    expect(stripeChargeFigure({ ...charge, reportedAt: 120 })).toBe(200);
    expect(stripeChargeFigure({ ...charge, reportedAt: 250 })).toBe(200); // read as "Stripe keeps counting it"
    expect(stripeChargeFigure(withFailedRefund(report(100, 130), { stripeRefundId: 're_8', amount: 300, created: 120, failedAt: 125, chargeId: 'ch_1' }))).toBe(100); // it cannot contain 300: lowered
  });

  it('a report made after the failure that cannot contain it (Stripe lowered its figure) keeps a dashboard refund counted', () => {
    // re_1 (700 here) failed at 200; then R2 (300 here, completed at 250) and a 400 dashboard refund:
    // Stripe reports 700 at 300 — it left the failed 700 out (it must contain R2's 300).
    const retry = { id: 'R2', paymentId: 'pi_1', amount: 300, status: 'succeeded' as const, updatedAt: new Date(250_000).toISOString() };
    const ledger = afterFailure(report(700, 300));
    const withRetry = { ...ledger, refunds: [...ledger.refunds, retry] };
    expect(stripeChargeFigure(withRetry.chargeRefunds[0]!, withRetry.refunds)).toBe(700);
    expect(refundPositions(withRetry).get('pi_1')!.refunded).toBe(700);
    expect(stripeOnlyRefunds(withRetry)).toEqual([{ paymentId: 'pi_1', chargeId: 'ch_1', amount: 400 }]);
    // Had Stripe kept counting it, the report would say 1400: the same 700.
    const keeps = { ...withRetry, chargeRefunds: [withFailedRefund(report(1400, 300), failure)] };
    expect(refundPositions(keeps).get('pi_1')!.refunded).toBe(700);
  });

  it('newerChargeReport: the later event wins, even lower; at the same second (or against a report without a time) the larger', () => {
    expect(newerChargeReport(undefined, { amount: 1, reportedAt: 5 })).toBe(true);
    expect(newerChargeReport({ amount: 0 }, { amount: 1, reportedAt: 5 })).toBe(true); // only failures known so far
    expect(newerChargeReport({ amount: 700, reportedAt: 10 }, { amount: 0, reportedAt: 11 })).toBe(true);
    expect(newerChargeReport({ amount: 700, reportedAt: 10 }, { amount: 900, reportedAt: 9 })).toBe(false); // a late, older report
    expect(newerChargeReport({ amount: 700, reportedAt: 10 }, { amount: 900, reportedAt: 10 })).toBe(true);
    expect(newerChargeReport({ amount: 700, reportedAt: 10 }, { amount: 700, reportedAt: 10 })).toBe(false); // a duplicate
    expect(newerChargeReport({ amount: 700 }, { amount: 600, reportedAt: 10 })).toBe(false);
  });
});
