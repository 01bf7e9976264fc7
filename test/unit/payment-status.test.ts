/** The one pure function that derives an order's payment status from payments and refunds. */
import { describe, expect, it } from 'vitest';
import { derivePaymentStatus, OrderNotPayableError, paymentRecordStatus, type PaymentRecordStatus } from '../../shared/payments/payment-status.js';

const paid = (amount: number, status: PaymentRecordStatus = 'succeeded') => ({ amount, status });
const refund = (amount: number) => ({ amount });

describe('derivePaymentStatus (total 1000)', () => {
  const cases: [string, ReturnType<typeof paid>[], ReturnType<typeof refund>[], ReturnType<typeof derivePaymentStatus>][] = [
    ['nothing yet', [], [], { status: 'pending', amountPaid: 0, amountRefunded: 0, amountDue: 1000, overpaidBy: 0 }],
    ['one partial payment', [paid(400)], [], { status: 'partially_paid', amountPaid: 400, amountRefunded: 0, amountDue: 600, overpaidBy: 0 }],
    ['partials summing to the total', [paid(400), paid(600)], [], { status: 'completed', amountPaid: 1000, amountRefunded: 0, amountDue: 0, overpaidBy: 0 }],
    ['one full payment', [paid(1000)], [], { status: 'completed', amountPaid: 1000, amountRefunded: 0, amountDue: 0, overpaidBy: 0 }],
    ['overpayment', [paid(700), paid(500)], [], { status: 'completed', amountPaid: 1200, amountRefunded: 0, amountDue: 0, overpaidBy: 200 }],
    ['1 cent short', [paid(999)], [], { status: 'partially_paid', amountPaid: 999, amountRefunded: 0, amountDue: 1, overpaidBy: 0 }],
    ['needs_review does not count', [paid(1000, 'needs_review')], [], { status: 'pending', amountPaid: 0, amountRefunded: 0, amountDue: 1000, overpaidBy: 0 }],
    ['refund_required does not count', [paid(400), paid(1000, 'refund_required')], [], { status: 'partially_paid', amountPaid: 400, amountRefunded: 0, amountDue: 600, overpaidBy: 0 }],
    ['fully refunded', [paid(1000)], [refund(1000)], { status: 'refunded', amountPaid: 0, amountRefunded: 1000, amountDue: 1000, overpaidBy: 0 }],
    ['partly refunded', [paid(1000)], [refund(300)], { status: 'partially_refunded', amountPaid: 700, amountRefunded: 300, amountDue: 300, overpaidBy: 0 }],
    ['overpayment refunded back to the total', [paid(1200)], [refund(200)], { status: 'completed', amountPaid: 1000, amountRefunded: 200, amountDue: 0, overpaidBy: 0 }],
    ['refund before its payment', [], [refund(1000)], { status: 'refunded', amountPaid: 0, amountRefunded: 1000, amountDue: 1000, overpaidBy: 0 }],
    ['refund, then its payment', [paid(1000)], [refund(1000)], { status: 'refunded', amountPaid: 0, amountRefunded: 1000, amountDue: 1000, overpaidBy: 0 }],
    ['two refunds of two payments', [paid(500), paid(500)], [refund(500), refund(500)], { status: 'refunded', amountPaid: 0, amountRefunded: 1000, amountDue: 1000, overpaidBy: 0 }],
  ];
  it.each(cases)('%s', (_name, payments, refunds, expected) => {
    expect(derivePaymentStatus({ total: 1000, payments, refunds })).toEqual(expected);
  });

  it('is order-independent and pure', () => {
    const payments = [paid(100), paid(250), paid(650, 'needs_review'), paid(650)];
    const input = { total: 1000, payments, refunds: [refund(50)] };
    const once = derivePaymentStatus(input);
    expect(derivePaymentStatus({ ...input, payments: [...payments].reverse() })).toEqual(once);
    expect(derivePaymentStatus(input)).toEqual(once);
    expect(once).toEqual({ status: 'partially_refunded', amountPaid: 950, amountRefunded: 50, amountDue: 50, overpaidBy: 0 });
  });
});

describe('derivePaymentStatus with refunds per payment (issue 11 item 11)', () => {
  const p = (amount: number, refunded: number, status: PaymentRecordStatus = 'succeeded') => ({ amount, status, refunded });
  const cases: [string, ReturnType<typeof p>[], ReturnType<typeof derivePaymentStatus>][] = [
    ['paid, part refunded', [p(1000, 300)], { status: 'partially_refunded', amountPaid: 700, amountRefunded: 300, amountDue: 300, overpaidBy: 0 }],
    ['paid, all refunded', [p(1000, 1000)], { status: 'refunded', amountPaid: 0, amountRefunded: 1000, amountDue: 1000, overpaidBy: 0 }],
    ['two payments, one refunded', [p(600, 0), p(400, 400)], { status: 'partially_refunded', amountPaid: 600, amountRefunded: 400, amountDue: 400, overpaidBy: 0 }],
    ['overpayment refunded back to the total', [p(1000, 0), p(300, 300)], { status: 'completed', amountPaid: 1000, amountRefunded: 300, amountDue: 0, overpaidBy: 0 }],
    ['refund_required money refunded in full (cancelled order)', [p(1000, 1000, 'refund_required')], { status: 'refunded', amountPaid: 0, amountRefunded: 1000, amountDue: 1000, overpaidBy: 0 }],
    ['refund_required money refunded in part', [p(1000, 400, 'refund_required')], { status: 'partially_refunded', amountPaid: 0, amountRefunded: 400, amountDue: 1000, overpaidBy: 0 }],
    ['a mismatched payment refunded: the counted one still completes', [p(1000, 0), p(1500, 1500, 'needs_review')], { status: 'completed', amountPaid: 1000, amountRefunded: 1500, amountDue: 0, overpaidBy: 0 }],
    ['partial payment, then refunded', [p(400, 400)], { status: 'refunded', amountPaid: 0, amountRefunded: 400, amountDue: 1000, overpaidBy: 0 }],
  ];
  it.each(cases)('%s', (_name, payments, expected) => {
    expect(derivePaymentStatus({ total: 1000, payments, refunds: [] })).toEqual(expected);
  });
});

describe('paymentRecordStatus (issue 12 item 7)', () => {
  const statuses = ['pending', 'paid', 'processing', 'shipped', 'delivered', 'failed', 'cancelled', 'pending_stock_rolledback', 'failed_stock_rolledback'] as const;
  it.each(statuses)('%s: provider money is recorded; an admin payment only while the order can be paid', (orderStatus) => {
    const payable = ['pending', 'paid', 'processing', 'shipped', 'delivered'].includes(orderStatus);
    expect(paymentRecordStatus({ orderStatus, mismatch: false, recordedBy: 'provider' })).toBe(payable ? 'succeeded' : 'refund_required');
    expect(paymentRecordStatus({ orderStatus, mismatch: true, recordedBy: 'provider' })).toBe('needs_review');
    if (payable) expect(paymentRecordStatus({ orderStatus, mismatch: false, recordedBy: 'admin' })).toBe('succeeded');
    else {
      expect(() => paymentRecordStatus({ orderStatus, mismatch: false, recordedBy: 'admin' })).toThrow(OrderNotPayableError);
      try {
        paymentRecordStatus({ orderStatus, mismatch: false, recordedBy: 'admin' });
      } catch (error) {
        expect(error).toMatchObject({ status: 409, code: 'CONFLICT', details: { status: orderStatus } });
      }
    }
  });
});
