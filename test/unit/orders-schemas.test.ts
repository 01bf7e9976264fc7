/** Order and cart request schemas, and the merging of duplicate order lines. */
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../shared/errors.js';
import { mergeLines } from '../../shared/orders/order-repository.js';
import {
  changeStatusBodySchema,
  listOrdersQuerySchema,
  MAX_ORDER_LINES,
  placeOrderBodySchema,
  setCartLineBodySchema,
} from '../../shared/schemas/orders.js';

const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };
const line = (i: number, quantity = 1) => ({ productId: `p${i}`, quantity });
const issuesOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; code: string; keys?: string[] }[] } }) =>
  (result.error?.issues ?? []).map((issue) => [issue.path.join('.'), issue.code, ...(issue.keys ?? [])].join(' '));

describe('mergeLines', () => {
  it('merges duplicate products, summing quantities, in first-seen order', () => {
    expect(mergeLines([line(1, 2), line(2, 1), line(1, 3), line(3, 100), line(2, 4)])).toEqual([line(1, 5), line(2, 5), line(3, 100)]);
    expect(mergeLines([line(7, 1)])).toEqual([line(7, 1)]);
  });

  it(`accepts ${MAX_ORDER_LINES} distinct products (plus duplicates), refuses one more with a 400`, () => {
    const ninetyEight = Array.from({ length: MAX_ORDER_LINES }, (_, i) => line(i));
    expect(mergeLines([...ninetyEight, line(0), line(MAX_ORDER_LINES - 1)])).toHaveLength(MAX_ORDER_LINES);
    const error = (() => {
      try {
        mergeLines([...ninetyEight, line(MAX_ORDER_LINES)]);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });
});

describe('placeOrderBodySchema', () => {
  it('accepts items or no items (the cart), normalises the country', () => {
    const parsed = placeOrderBodySchema.parse({ shippingAddress: { ...address, line2: '  Flat 2 ' }, items: [line(1, 1), line(2, 100)] });
    expect(parsed).toEqual({ shippingAddress: { ...address, line2: 'Flat 2', country: 'US' }, items: [line(1, 1), line(2, 100)] });
    expect(placeOrderBodySchema.parse({ shippingAddress: address })).toEqual({ shippingAddress: { ...address, country: 'US' } });
  });

  it('rejects prices, totals or any other client-sent field, on the order and on lines', () => {
    for (const extra of [{ unitPrice: 1 }, { price: 1 }, { lineTotal: 1 }, { name: 'cheap' }]) {
      const result = placeOrderBodySchema.safeParse({ shippingAddress: address, items: [{ ...line(1), ...extra }] });
      expect(issuesOf(result)).toEqual([`items.0 unrecognized_keys ${Object.keys(extra)[0]}`]);
    }
    for (const extra of [{ total: 1 }, { currency: 'usd' }, { userId: 'someone' }, { status: 'paid' }]) {
      expect(issuesOf(placeOrderBodySchema.safeParse({ shippingAddress: address, ...extra }))).toEqual([` unrecognized_keys ${Object.keys(extra)[0]}`]);
    }
  });

  it.each([0, 101, 1.5, -1, '2', null])('quantity %s is refused', (quantity) => {
    const result = placeOrderBodySchema.safeParse({ shippingAddress: address, items: [{ productId: 'p1', quantity }] });
    expect(result.success).toBe(false);
    expect(issuesOf(result)[0]).toMatch(/^items\.0\.quantity /);
  });

  it(`1..${MAX_ORDER_LINES} lines; 0 or ${MAX_ORDER_LINES + 1} lines are refused`, () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => line(i));
    expect(placeOrderBodySchema.safeParse({ shippingAddress: address, items: lines(MAX_ORDER_LINES) }).success).toBe(true);
    expect(issuesOf(placeOrderBodySchema.safeParse({ shippingAddress: address, items: lines(MAX_ORDER_LINES + 1) }))).toEqual(['items too_big']);
    expect(issuesOf(placeOrderBodySchema.safeParse({ shippingAddress: address, items: [] }))).toEqual(['items too_small']);
  });

  it('needs a complete shipping address; product ids are plain tokens', () => {
    expect(placeOrderBodySchema.safeParse({ items: [line(1)] }).success).toBe(false);
    for (const broken of [{ line1: '' }, { city: '   ' }, { country: 'USA' }, { postalCode: undefined }, { extra: 1 }]) {
      expect(placeOrderBodySchema.safeParse({ shippingAddress: { ...address, ...broken } }).success, JSON.stringify(broken)).toBe(false);
    }
    expect(placeOrderBodySchema.safeParse({ shippingAddress: address, items: [{ productId: '../x', quantity: 1 }] }).success).toBe(false);
    expect(placeOrderBodySchema.safeParse({ shippingAddress: address, items: [{ productId: 'x'.repeat(65), quantity: 1 }] }).success).toBe(false);
  });
});

describe('cart and listing schemas', () => {
  it('a cart line is {quantity: 1..100} and nothing else', () => {
    expect(setCartLineBodySchema.parse({ quantity: 1 })).toEqual({ quantity: 1 });
    expect(setCartLineBodySchema.parse({ quantity: 100 })).toEqual({ quantity: 100 });
    for (const body of [{ quantity: 0 }, { quantity: 101 }, { quantity: 2.5 }, { quantity: '3' }, {}, { quantity: 1, unitPrice: 5 }]) {
      expect(setCartLineBodySchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });

  it('list query: limit coerced 1..100, known statuses, ISO dates', () => {
    expect(listOrdersQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(listOrdersQuerySchema.parse({ limit: '5', status: 'paid', from: '2026-01-01', to: '2026-01-31T23:59:59Z', userId: 'u1' })).toMatchObject({ limit: 5, status: 'paid' });
    for (const query of [{ limit: '0' }, { limit: '101' }, { status: 'lost' }, { from: 'yesterday' }, { to: '2026-13-01' }, { sort: 'total' }]) {
      expect(listOrdersQuerySchema.safeParse(query).success, JSON.stringify(query)).toBe(false);
    }
  });

  it('status change: a known status and an optional note', () => {
    expect(changeStatusBodySchema.parse({ status: 'shipped', note: ' by courier ' })).toEqual({ status: 'shipped', note: 'by courier' });
    for (const body of [{}, { status: 'lost' }, { status: 'paid', note: '' }, { status: 'paid', note: 'x'.repeat(501) }, { status: 'paid', by: 'me' }]) {
      expect(changeStatusBodySchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });
});
