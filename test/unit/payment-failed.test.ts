/**
 * Issue 12.2: a failed payment is emailed; while the order's payment window is open the email
 * links to pay again and names the deadline (paymentRetryDeadline), after it, it does not.
 */
import { describe, expect, it } from 'vitest';
import { paymentFailedEmail } from '../../shared/emails/templates.js';
import { MIN_RETRY_MS, paymentRetryDeadline } from '../../shared/payments/payment-retry.js';

const createdAt = '2026-05-01T10:00:00.000Z';
const at = (minutes: number) => Date.parse(createdAt) + minutes * 60_000;

describe('paymentRetryDeadline (window 15 minutes)', () => {
  it.each([
    ['just placed', { status: 'pending', amountPaid: 0 }, 0, '2026-05-01T10:15:00.000Z'],
    ['14 minutes in', { status: 'pending', amountPaid: 0 }, 14, '2026-05-01T10:15:00.000Z'],
    ['less than a minute left', { status: 'pending', amountPaid: 0 }, 14.5, undefined],
    ['window over', { status: 'pending', amountPaid: 0 }, 16, undefined],
    ['partly paid', { status: 'pending', amountPaid: 100 }, 1, undefined],
    ['cancelled', { status: 'cancelled', amountPaid: 0 }, 1, undefined],
    ['already failed', { status: 'failed', amountPaid: 0 }, 1, undefined],
  ])('%s', (_label, order, minutes, expected) => {
    expect(paymentRetryDeadline({ ...order, createdAt }, at(minutes), 15)).toBe(expected);
  });

  it('needs at least MIN_RETRY_MS left', () => {
    expect(paymentRetryDeadline({ status: 'pending', amountPaid: 0, createdAt }, at(15) - MIN_RETRY_MS, 15)).toBe('2026-05-01T10:15:00.000Z');
    expect(paymentRetryDeadline({ status: 'pending', amountPaid: 0, createdAt }, at(15) - MIN_RETRY_MS + 1, 15)).toBeUndefined();
  });
});

describe('paymentFailedEmail', () => {
  const order = { id: 'ORD1', items: [{ name: 'Mug', quantity: 1, unitPrice: 1250, lineTotal: 1250 }], total: 1250, currency: 'usd', status: 'pending' };
  const url = 'http://localhost:3000/orders/ORD1';

  it('window open: the reason, the deadline in the shop format and a "Pay again" link', () => {
    const email = paymentFailedEmail({ name: 'Ann', order, orderUrl: url, reason: 'Your card was declined.', retryUntil: '2026-05-01T10:15:00.000Z' });
    expect(email.subject).toBe('Payment for order ORD1 did not go through');
    expect(email.text).toContain('Your card was declined.');
    expect(email.text).toContain('until 1 May 2026, 10:15 UTC');
    expect(email.html).toContain(`<a href="${url}"`);
    expect(email.html).toContain('Pay again');
  });

  it('window closed: says the order will be cancelled, no link to pay', () => {
    const email = paymentFailedEmail({ name: 'Ann', order, orderUrl: url, reason: '<b>declined</b>' });
    expect(email.text).toContain('will be cancelled');
    expect(email.html).not.toContain('Pay again');
    expect(email.html).not.toContain('<b>declined');
    expect(email.html).toContain('&lt;b&gt;declined');
  });
});
