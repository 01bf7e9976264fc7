/**
 * Issue 12.1: customers never read an internal status name, and every date in an email is
 * written one way, in the shop's time zone (SHOP_TIME_ZONE, default UTC).
 */
import { describe, expect, it } from 'vitest';
import {
  formatDateTime,
  fulfilmentReminderAdminEmail,
  ORDER_STATUS_WORDS,
  orderStatusEmail,
  passwordResetEmail,
  paymentReminderEmail,
  shipmentUpdateEmail,
} from '../../shared/emails/templates.js';
import { formatMoney, majorUnits } from '../../shared/money.js';
import { ORDER_STATUSES } from '../../shared/orders/order-status.js';

const order = { id: 'ORD1', items: [{ name: 'Mug', quantity: 1, unitPrice: 1250, lineTotal: 1250 }], total: 1250, currency: 'usd', status: 'pending' };
const url = 'http://localhost:3000/orders/ORD1';
/** What must never reach a customer: a raw status name or a half-translated one. */
const internal = /_|rolledback|rolled back stock|stock rolled/i;

describe('order status wording', () => {
  for (const to of ORDER_STATUSES) {
    for (const from of ORDER_STATUSES) {
      it(`${from} → ${to}: subject and body in plain words`, () => {
        const email = orderStatusEmail({ name: 'Ann', order: { ...order, status: to }, orderUrl: url, from, to });
        const firstLines = email.text.split('\n\n').slice(0, 2).join(' ');
        for (const part of [email.subject, firstLines]) expect(part).not.toMatch(internal);
        expect(email.subject).toBe(`Your order ORD1 is now ${ORDER_STATUS_WORDS[to].label}`);
      });
    }
  }

  it('the rollbacks say why the order was cancelled', () => {
    const late = orderStatusEmail({ name: 'Ann', order, orderUrl: url, from: 'pending', to: 'pending_stock_rolledback' });
    expect(late.subject).toBe('Your order ORD1 is now cancelled: payment not received in time');
    expect(late.text).toContain('did not receive the payment in time');
    const failed = orderStatusEmail({ name: 'Ann', order, orderUrl: url, from: 'failed', to: 'failed_stock_rolledback' });
    expect(failed.subject).toBe('Your order ORD1 is now cancelled: payment failed');
    expect(failed.text).not.toContain('went from');
  });

  it('shipment emails use the same plain words', () => {
    const email = shipmentUpdateEmail({ name: 'Ann', orderId: 'ORD1', carrier: 'UPS', trackingNumber: '1Z', from: 'label_created', to: 'exception', orderUrl: url });
    expect(email.subject).toBe('Shipment 1Z of order ORD1: delivery problem');
    expect(email.text.split('\n\n')[1]).not.toMatch(internal);
    const admin = fulfilmentReminderAdminEmail({ order: { ...order, status: 'processing' }, customer: undefined, waitingSince: '2026-05-01T08:00:00Z', orderUrl: url });
    expect(admin.text).toContain('(being prepared)');
  });
});

describe('dates', () => {
  it('one format, in the time zone asked for, UTC by default', () => {
    expect(formatDateTime('2026-05-01T11:15:42.123Z')).toBe('1 May 2026, 11:15 UTC');
    expect(formatDateTime('2026-05-01T11:15:00Z', 'Europe/Brussels')).toBe('1 May 2026, 13:15 CEST');
    expect(formatDateTime('2026-01-01T23:15:00Z', 'America/New_York')).toBe('1 Jan 2026, 18:15 GMT-5');
  });

  it('every email with a date writes it that way (no ISO timestamps)', () => {
    const iso = /\d{4}-\d\d-\d\dT\d\d:\d\d/;
    const emails = [
      passwordResetEmail({ name: 'Ann', resetUrl: 'http://localhost:3000/reset-password?token=t', expiresAt: '2026-05-01T12:00:00.000Z' }),
      paymentReminderEmail({ name: 'Ann', order, orderUrl: url, payBefore: '2026-05-01T12:00:00.000Z' }),
      fulfilmentReminderAdminEmail({ order, customer: undefined, waitingSince: '2026-05-01T12:00:00.000Z', orderUrl: url }),
    ];
    for (const email of emails) {
      expect(email.text).not.toMatch(iso);
      expect(email.text).toContain('1 May 2026, 12:00 UTC');
    }
  });
});

describe('money in emails', () => {
  it('writes each currency with its own minor unit: cents, no yen fractions, three-digit dinars', () => {
    expect(formatMoney(2500, 'usd')).toBe('$25.00');
    expect(formatMoney(2500, 'jpy')).toBe('¥2,500');
    expect(formatMoney(2500, 'kwd')).toMatch(/^KWD\s2\.500$/);
    expect(majorUnits(2500, 'kwd')).toBe('2.500');
    const yen = orderStatusEmail({ name: 'Ann', order: { ...order, currency: 'jpy', status: 'paid' }, orderUrl: 'https://shop.example/orders/ORD1', from: 'pending', to: 'paid' });
    expect(yen.text).toContain('Total: ¥1,250');
    expect(yen.text).not.toContain('¥12.50');
  });
});
