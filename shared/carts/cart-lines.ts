/**
 * Which cart lines can still be bought (pure; unit-tested). A hold whose product was deleted
 * since it was placed is unavailable: GET /cart releases it (its stock goes back) and lists it
 * under `removedItems`; checkout refuses it by name. Expired holds are left out (the release
 * schedule returns their stock); a hold of a product that no longer exists at all is left out too.
 */
import type { ProductRecord } from '../products/product.js';
import type { Hold } from './cart-keys.js';

export interface CartLines {
  readonly live: { hold: Hold; product: ProductRecord }[];
  readonly unavailable: { hold: Hold; product: ProductRecord }[];
}

export function sortCartLines(holds: readonly Hold[], products: ReadonlyMap<string, ProductRecord>, now: number): CartLines {
  const live: CartLines['live'] = [];
  const unavailable: CartLines['unavailable'] = [];
  for (const hold of holds) {
    if (hold.expiresAt <= now) continue;
    const product = products.get(hold.productId);
    if (!product) continue;
    (product.deletedAt ? unavailable : live).push({ hold, product });
  }
  return { live, unavailable };
}
