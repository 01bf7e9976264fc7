/**
 * What an order line copies from its product (name, price, currency), as this container last
 * read it, so an order placed from `items` need not read its products again. Never trusted: the
 * order's transaction takes the stock only if the product still has exactly these values (a
 * condition on the same Update, `snapshotCondition`). A stale entry cancels the transaction with
 * the product as it is now (ALL_OLD), which replaces the entry before the order is tried again,
 * so no order ever carries a price the product did not have when its stock was taken.
 */
import type { ProductRecord } from './product.js';

export type ProductSnapshot = Pick<ProductRecord, 'id' | 'name' | 'price' | 'currency'>;

/** Entries kept per container; the oldest go first (a catalogue larger than this just reads more). */
const MAX_SNAPSHOTS = 2_000;
const snapshots = new Map<string, ProductSnapshot>();

export function rememberSnapshots(products: Iterable<Pick<ProductRecord, 'id' | 'name' | 'price' | 'currency' | 'deletedAt'>>): void {
  for (const { id, name, price, currency, deletedAt } of products) {
    snapshots.delete(id);
    if (deletedAt) continue;
    snapshots.set(id, { id, name, price, currency });
    if (snapshots.size > MAX_SNAPSHOTS) snapshots.delete(snapshots.keys().next().value!);
  }
}

/** Every one of these products' snapshots, or undefined when one is missing. */
export function snapshotsOf(productIds: readonly string[]): Map<string, ProductSnapshot> | undefined {
  const found = new Map<string, ProductSnapshot>();
  for (const id of productIds) {
    const snapshot = snapshots.get(id);
    if (!snapshot) return undefined;
    found.set(id, snapshot);
  }
  return found;
}

/** The condition (ANDed to the stock take) that the product still matches the snapshot. */
export const snapshotCondition = (snapshot: ProductSnapshot) => ({
  expression: 'price = :snapshotPrice AND #snapshotName = :snapshotName AND currency = :snapshotCurrency',
  names: { '#snapshotName': 'name' },
  values: { ':snapshotPrice': snapshot.price, ':snapshotName': snapshot.name, ':snapshotCurrency': snapshot.currency },
});

type WireItem = Record<string, { S?: string; N?: string } | undefined>;

/**
 * After a stock take with a snapshot condition failed: true when the product (as the
 * cancellation returned it) exists, is on sale and has the stock, so only the snapshot was out
 * of date; the entry is then replaced by the product as it is now. False: the failure is the
 * product's (deleted, missing, out of stock) and is answered as such.
 */
export function refreshedFrom(old: WireItem | undefined, quantity: number): boolean {
  if (!old || old.deletedAt || !old.id?.S || !old.name?.S || !old.currency?.S || old.price?.N === undefined) return false;
  if (Number(old.stock?.N ?? 0) < quantity) return false;
  rememberSnapshots([{ id: old.id.S, name: old.name.S, price: Number(old.price.N), currency: old.currency.S }]);
  return true;
}

/** Forgets every snapshot (tests). */
export function forgetSnapshots(): void {
  snapshots.clear();
}
