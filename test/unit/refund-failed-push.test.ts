/**
 * A refund Stripe fails later (shared/payments/stripe-events.ts refundFailed) changes the order
 * item's figures in its ledger transaction; the realtime pusher (functions/realtime/push-changes.ts)
 * sees that change on the table stream and pushes the order to its customer and the admins. The
 * refund and charge items themselves push nothing (only their order's figures are public there).
 */
import { describe, expect, it } from 'vitest';
import { realtimeActions } from '../../shared/realtime/realtime-changes.js';

const order = (figures: Record<string, unknown>) => ({
  pk: 'ORDER#o1', sk: 'ORDER', type: 'order', id: 'o1', userId: 'ann', status: 'paid', items: [], total: 2000, currency: 'usd',
  shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  statusHistory: [{ status: 'pending', at: '2026-01-01T10:00:00.000Z' }, { status: 'paid', at: '2026-01-01T10:01:00.000Z' }],
  createdAt: '2026-01-01T10:00:00.000Z', updatedAt: '2026-01-01T10:05:00.000Z', ...figures,
});

describe('a failed refund reaches the realtime pusher through its order', () => {
  it('partially_refunded → completed (amountRefunded 700 → 0): order.updated to the customer and the admins', () => {
    const before = order({ paymentStatus: 'partially_refunded', amountPaid: 1300, amountDue: 700, amountRefunded: 700, paymentVersion: 3 });
    const after = order({ paymentStatus: 'completed', amountPaid: 2000, amountDue: 0, amountRefunded: 0, paymentVersion: 4, updatedAt: '2026-01-09T08:00:00.000Z' });
    const actions = realtimeActions({ keys: { pk: 'ORDER#o1', sk: 'ORDER' }, before, after });
    expect(actions).toEqual([
      {
        kind: 'push',
        to: { userId: 'ann', andAdmins: true },
        message: { type: 'order.updated', order: expect.objectContaining({ id: 'o1', paymentStatus: 'completed', amountPaid: 2000, amountRefunded: 0 }) },
      },
    ]);
  });

  it('the refund item (pending/succeeded → failed) and the charge item push nothing themselves', () => {
    const refund = { pk: 'ORDER#o1', sk: 'REFUND#R1', type: 'refund', orderId: 'o1', status: 'succeeded' };
    expect(realtimeActions({ keys: { pk: 'ORDER#o1', sk: 'REFUND#R1' }, before: refund, after: { ...refund, status: 'failed' } })).toEqual([]);
    expect(realtimeActions({ keys: { pk: 'ORDER#o1', sk: 'REFUND#CHARGE#ch_1' }, before: undefined, after: { type: 'chargeRefund', amount: 0 } })).toEqual([]);
  });
});
