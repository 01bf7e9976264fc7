import { describe, expect, it } from 'vitest';
import { countedItem, counterIncrements, mergeIncrements } from '../../shared/analytics/counters.js';
import { daysBetween, sumCounters } from '../../shared/analytics/analytics.js';
import type { OrderRecord } from '../../shared/orders/order.js';
import { ValidationError } from '../../shared/errors.js';

const order = {
  id: 'o1',
  status: 'pending',
  createdAt: '2026-03-01T23:59:00.000Z',
  total: 3400,
  items: [
    { productId: 'p1', name: 'A', unitPrice: 1000, quantity: 2, lineTotal: 2000 },
    { productId: 'p2', name: 'B', unitPrice: 700, quantity: 2, lineTotal: 1400 },
  ],
} as unknown as OrderRecord;

const change = (before: unknown, after: unknown, sk = 'ORDER') => ({ keys: { pk: 'X', sk }, before: before as Record<string, unknown>, after: after as Record<string, unknown> });
const pending = { ...order, type: 'order', statusHistory: [{ status: 'pending', at: order.createdAt, by: 'u' }] };

describe('counter increments from item changes (pure, on the right day)', () => {
  it('a new order counts on its creation day, as pending', () => {
    expect(counterIncrements(change(undefined, pending))).toEqual([{ day: '2026-03-01', kind: 'STATUS', add: { ordersPlaced: 1, s_pending: 1 } }]);
  });

  it('a status move shifts one order between statuses on the creation day; other edits count nothing', () => {
    const paid = { ...pending, status: 'paid', statusHistory: [...pending.statusHistory, { status: 'paid', at: '2026-03-02T00:01:00.000Z', by: 'u' }] };
    const processing = { ...paid, status: 'processing' };
    expect(counterIncrements(change(paid, processing))).toEqual([{ day: '2026-03-01', kind: 'STATUS', add: { s_paid: -1, s_processing: 1 } }]);
    expect(counterIncrements(change(processing, { ...processing, updatedAt: 'later', amountPaid: 5 }))).toEqual([]);
  });

  it('becoming paid counts units and value per product on the day of that status change', () => {
    const paid = { ...pending, status: 'paid', statusHistory: [...pending.statusHistory, { status: 'paid', at: '2026-03-02T00:01:00.000Z', by: 'u' }] };
    expect(counterIncrements(change(pending, paid))).toEqual([
      { day: '2026-03-01', kind: 'STATUS', add: { s_pending: -1, s_paid: 1 } },
      { day: '2026-03-02', kind: 'SALES', add: { paidOrders: 1, paidValue: 3400, q_p1: 2, r_p1: 2000, q_p2: 2, r_p2: 1400 } },
    ]);
  });

  it('revenue counts succeeded payments when written, and each growth of their refunded amount (issue 11 item 11)', () => {
    const payment = { status: 'succeeded', amount: 500, createdAt: '2026-03-02T10:00:00Z' };
    expect(counterIncrements(change(undefined, payment, 'PAYMENT#1'))).toEqual([{ day: '2026-03-02', kind: 'PAYMENTS', add: { revenue: 500, payments: 1 } }]);
    expect(counterIncrements(change(undefined, { ...payment, status: 'needs_review' }, 'PAYMENT#2'))).toEqual([]);
    const refunded = (amount: number) => ({ ...payment, refunded: amount, refundedAt: '2026-03-03T10:00:00Z' });
    expect(counterIncrements(change(payment, refunded(200), 'PAYMENT#1'))).toEqual([{ day: '2026-03-03', kind: 'PAYMENTS', add: { revenue: -200, refunds: 1 } }]);
    expect(counterIncrements(change(refunded(200), refunded(300), 'PAYMENT#1'))).toEqual([{ day: '2026-03-03', kind: 'PAYMENTS', add: { revenue: -100, refunds: 1 } }]);
    // Stripe's charge.refunded for a refund issued here rewrites the same figure: nothing moves.
    expect(counterIncrements(change(refunded(300), { ...refunded(300), refundedAt: '2026-03-04T10:00:00Z' }, 'PAYMENT#1'))).toEqual([]);
    // A payment written already refunded (the refund came first): both on their days.
    expect(counterIncrements(change(undefined, refunded(500), 'PAYMENT#1'))).toEqual([
      { day: '2026-03-02', kind: 'PAYMENTS', add: { revenue: 500, payments: 1 } },
      { day: '2026-03-03', kind: 'PAYMENTS', add: { revenue: -500, refunds: 1 } },
    ]);
    // Money that never counted moves nothing when refunded; refund items move no counter at all.
    expect(counterIncrements(change({ ...payment, status: 'refund_required' }, { ...refunded(500), status: 'refund_required' }, 'PAYMENT#3'))).toEqual([]);
    expect(counterIncrements(change(undefined, { type: 'refund', amount: 200, updatedAt: '2026-03-03T10:00:00Z' }, 'REFUND#R1'))).toEqual([]);
    expect(counterIncrements(change(undefined, { type: 'chargeRefund', amount: 200, updatedAt: '2026-03-03T10:00:00Z' }, 'REFUND#CHARGE#ch'))).toEqual([]);
  });

  it('ignores every other item (products, holds, index items, markers)', () => {
    for (const sk of ['PRODUCT', 'ITEM#p1', 'IDX#ALL', 'COUNTED', 'SHIPMENT#1']) expect(countedItem({ sk })).toBe(false);
    expect(counterIncrements(change(undefined, { type: 'orderIndex' }, 'IDX#ALL'))).toEqual([]);
  });

  it('merges a batch per counter item and drops what cancels out', () => {
    expect(
      mergeIncrements([
        { day: 'd1', kind: 'STATUS', add: { ordersPlaced: 1, s_pending: 1 } },
        { day: 'd1', kind: 'STATUS', add: { s_pending: -1, s_paid: 1 } },
        { day: 'd2', kind: 'PAYMENTS', add: { revenue: 5, payments: 1 } },
        { day: 'd2', kind: 'PAYMENTS', add: { revenue: -5, payments: -1 } },
      ]),
    ).toEqual([{ day: 'd1', kind: 'STATUS', add: { ordersPlaced: 1, s_paid: 1 } }]);
  });
});

describe('report arithmetic', () => {
  it('sums the days', () => {
    const totals = sumCounters([
      { sk: 'STATUS', ordersPlaced: 3, s_pending: 1, s_paid: 1, s_cancelled: 1 },
      { sk: 'STATUS', ordersPlaced: 1, s_paid: 1 },
      { sk: 'SALES', paidOrders: 2, paidValue: 5000, q_p1: 3, r_p1: 3000, q_p2: 1, r_p2: 2000 },
      { sk: 'SALES', paidOrders: 1, paidValue: 1000, q_p1: 1, r_p1: 1000 },
      { sk: 'PAYMENTS', revenue: 6000 },
      { sk: 'PAYMENTS', revenue: -500 },
    ]);
    expect(totals).toMatchObject({ revenue: 5500, orderCount: 4, paidOrders: 3, paidValue: 6000 });
    expect(totals.ordersByStatus).toMatchObject({ pending: 1, paid: 2, cancelled: 1, shipped: 0 });
    expect([...totals.quantityByProduct]).toEqual([['p1', 4], ['p2', 1]]);
    expect([...totals.revenueByProduct]).toEqual([['p1', 4000], ['p2', 2000]]);
  });

  it('lists the days of a range, and refuses reversed or over-long ranges', () => {
    expect(daysBetween('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(() => daysBetween('2026-03-02', '2026-03-01')).toThrow(ValidationError);
    expect(() => daysBetween('2025-01-01', '2026-03-01')).toThrow(/at most 366/);
  });
});
