/** Which cart lines can still be bought (issue 12 item 8): pure, no AWS. */
import { describe, expect, it } from 'vitest';
import { sortCartLines } from '../../shared/carts/cart-lines.js';
import type { ProductRecord } from '../../shared/products/product.js';

const now = Date.parse('2026-05-01T10:00:00Z');
const hold = (productId: string, expiresAt = now + 60_000) => ({ userId: 'u1', productId, quantity: 2, expiresAt });
const product = (id: string, deletedAt?: string) => ({ id, name: `P ${id}`, price: 100, currency: 'usd', stock: 5, ...(deletedAt ? { deletedAt } : {}) }) as unknown as ProductRecord;

describe('sortCartLines', () => {
  it('live lines keep their product; a deleted product’s line is unavailable; expired holds and unknown products are left out', () => {
    const products = new Map([['a', product('a')], ['b', product('b', '2026-05-01T09:00:00Z')], ['c', product('c')]]);
    const { live, unavailable } = sortCartLines([hold('a'), hold('b'), hold('c', now), hold('x')], products, now);
    expect(live.map((line) => line.hold.productId)).toEqual(['a']);
    expect(unavailable.map((line) => [line.hold.productId, line.product.name])).toEqual([['b', 'P b']]);
  });

  it('an expired hold of a deleted product is left to the release schedule, not released twice', () => {
    const { live, unavailable } = sortCartLines([hold('b', now - 1)], new Map([['b', product('b', 'x')]]), now);
    expect(live).toEqual([]);
    expect(unavailable).toEqual([]);
  });
});
