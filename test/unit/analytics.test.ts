import { describe, expect, it } from 'vitest';
import { orderPaidCounter, orderPlacedCounter, revenueCounter, statusMovedCounter } from '../../shared/analytics/counters.js';
import { daysBetween, sumCounters } from '../../shared/analytics/analytics.js';
import type { OrderRecord } from '../../shared/orders/order.js';
import { BadRequestError } from '../../shared/errors.js';

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

describe('counter items (ADD only, on the right day)', () => {
  it('placing counts the order on its creation day, as pending', () => {
    expect(orderPlacedCounter(order).Update).toMatchObject({
      Key: { pk: 'STATS#2026-03-01', sk: 'STATUS' },
      UpdateExpression: 'ADD #a0 :v0, #a1 :v1',
      ExpressionAttributeNames: { '#a0': 'ordersPlaced', '#a1': 's_pending' },
      ExpressionAttributeValues: { ':v0': 1, ':v1': 1 },
    });
  });

  it('a status move shifts one order between statuses on the creation day', () => {
    expect(statusMovedCounter({ ...order, status: 'paid' }, 'processing').Update).toMatchObject({
      Key: { pk: 'STATS#2026-03-01', sk: 'STATUS' },
      ExpressionAttributeNames: { '#a0': 's_paid', '#a1': 's_processing' },
      ExpressionAttributeValues: { ':v0': -1, ':v1': 1 },
    });
  });

  it('becoming paid counts units and value per product on the payment day', () => {
    const update = orderPaidCounter(order, '2026-03-02T00:01:00.000Z').Update!;
    expect(update.Key).toEqual({ pk: 'STATS#2026-03-02', sk: 'SALES' });
    const values = Object.fromEntries(
      Object.entries(update.ExpressionAttributeNames!).map(([placeholder, name]) => [name, update.ExpressionAttributeValues![placeholder.replace('#a', ':v')]]),
    );
    expect(values).toEqual({ paidOrders: 1, paidValue: 3400, q_p1: 2, r_p1: 2000, q_p2: 2, r_p2: 1400 });
  });

  it('revenue counts payments and subtracts refunds', () => {
    expect(revenueCounter(500, '2026-03-02T10:00:00Z').Update!.ExpressionAttributeValues).toEqual({ ':v0': 500, ':v1': 1 });
    expect(revenueCounter(-200, '2026-03-02T10:00:00Z').Update!.ExpressionAttributeNames).toEqual({ '#a0': 'revenue', '#a1': 'refunds' });
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
    expect(() => daysBetween('2026-03-02', '2026-03-01')).toThrow(BadRequestError);
    expect(() => daysBetween('2025-01-01', '2026-03-01')).toThrow(/at most 366/);
  });
});
