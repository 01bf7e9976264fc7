/**
 * The order state machine, table-driven: every (from, to) pair for every actor. The expected
 * table is written out here independently of order-status.ts, from API.md's "Orders" section:
 * customers cancel only pending orders; `paid` comes only from a completed payment (issue 12
 * item 6: admins record a payment instead); admins walk paid → processing → shipped →
 * delivered and cancel pending/paid/processing; `failed` comes only from the payment provider;
 * the *_stock_rolledback states only from the scheduled rollback.
 */
import { describe, expect, it } from 'vitest';
import { canTransition, isUnpaid, nextStatuses, ORDER_STATUSES, ownsStock, returnsStock, transitionHint, unpaidDelta, type Actor, type OrderStatus } from '../../shared/orders/order-status.js';

const ACTORS: readonly Actor[] = ['customer', 'admin', 'payment', 'scheduler'];

const allowed: Record<string, readonly Actor[]> = {
  'pending→paid': ['payment'],
  'pending→failed': ['payment'],
  'pending→cancelled': ['customer', 'admin'],
  'pending→pending_stock_rolledback': ['scheduler'],
  'paid→processing': ['admin'],
  'paid→shipped': ['admin'],
  'paid→cancelled': ['admin'],
  'processing→shipped': ['admin'],
  'processing→cancelled': ['admin'],
  'shipped→delivered': ['admin'],
  'failed→failed_stock_rolledback': ['scheduler'],
};

const cases = ORDER_STATUSES.flatMap((from) =>
  ORDER_STATUSES.flatMap((to) => ACTORS.map((actor) => [from, to, actor, (allowed[`${from}→${to}`] ?? []).includes(actor)] as const)),
);

describe('canTransition: every pair × actor', () => {
  it('covers 9 statuses × 9 statuses × 4 actors', () => {
    expect(ORDER_STATUSES).toHaveLength(9);
    expect(cases).toHaveLength(9 * 9 * 4);
    expect(cases.filter(([, , , ok]) => ok)).toHaveLength(Object.values(allowed).flat().length);
  });

  it.each(cases)('%s → %s by %s: %s', (from, to, actor, expected) => {
    expect(canTransition(from, to, actor)).toBe(expected);
  });

  it('no status moves to itself, and final statuses go nowhere', () => {
    for (const status of ORDER_STATUSES) for (const actor of ACTORS) expect(canTransition(status, status, actor)).toBe(false);
    for (const final of ['delivered', 'cancelled', 'pending_stock_rolledback', 'failed_stock_rolledback'] as const) {
      for (const actor of ACTORS) expect(nextStatuses(final, actor)).toEqual([]);
    }
  });

  it('nextStatuses lists what an actor may do next', () => {
    expect(nextStatuses('pending', 'customer')).toEqual(['cancelled']);
    expect(nextStatuses('pending', 'admin')).toEqual(['cancelled']);
    expect(nextStatuses('pending', 'scheduler')).toEqual(['pending_stock_rolledback']);
    expect(nextStatuses('paid', 'customer')).toEqual([]);
    expect(nextStatuses('failed', 'scheduler')).toEqual(['failed_stock_rolledback']);
  });
});

describe('transitionHint', () => {
  it('a refused move to paid points at recording a payment; other refusals have no hint', () => {
    for (const actor of ['admin', 'customer'] as const) expect(transitionHint('pending', 'paid', actor)).toContain('POST /orders/{id}/payments');
    expect(transitionHint('pending', 'paid', 'payment')).toBeUndefined();
    expect(transitionHint('delivered', 'paid', 'admin')).toBeUndefined();
    expect(transitionHint('paid', 'pending', 'admin')).toBeUndefined();
  });
});

describe('unpaid orders (the per-customer cap, issue 11 item 9)', () => {
  it('pending and failed are unpaid (they hold stock, nothing paid); nothing else is', () => {
    expect(ORDER_STATUSES.filter(isUnpaid)).toEqual(['pending', 'failed']);
  });

  it('every legal move out of pending/failed frees one slot; every other legal move frees none; no move takes one', () => {
    for (const [from, to, actor, ok] of cases) {
      if (!ok) continue;
      const expected = (from === 'pending' || from === 'failed') && to !== 'failed' ? -1 : 0;
      expect(unpaidDelta(from, to), `${from} → ${to} by ${actor}`).toBe(expected);
    }
    expect(unpaidDelta('pending', 'paid')).toBe(-1);
    expect(unpaidDelta('pending', 'failed')).toBe(0);
    expect(unpaidDelta('failed', 'failed_stock_rolledback')).toBe(-1);
  });
});

describe('returnsStock / ownsStock', () => {
  const giving: readonly OrderStatus[] = ['cancelled', 'pending_stock_rolledback', 'failed_stock_rolledback'];

  it.each(ORDER_STATUSES.map((status) => [status, giving.includes(status)] as const))('%s returns stock: %s', (status, expected) => {
    expect(returnsStock(status)).toBe(expected);
    expect(ownsStock(status)).toBe(!expected);
  });

  it('every move into a stock-returning status starts from a status that owns stock (stock comes back at most once)', () => {
    for (const [from, to, actor, ok] of cases) {
      if (ok && returnsStock(to)) expect(ownsStock(from), `${from} → ${to} by ${actor}`).toBe(true);
    }
  });

  it('sold orders (shipped, delivered) keep their stock', () => {
    expect(ownsStock('shipped')).toBe(true);
    expect(ownsStock('delivered')).toBe(true);
  });
});
