/** Refund rules (issue 11 item 11): pure functions over one order's ledger. */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../shared/errors.js';
import { planRefund, RefundExceedsRefundableError, refundPositions, stripeOnlyRefunds, unattributedRefunds, type RefundLedger } from '../../shared/payments/refunds.js';

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
