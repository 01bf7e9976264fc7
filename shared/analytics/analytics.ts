/**
 * GET /admin/analytics: read from the daily counters (one BatchGetItem of 3 keys a day, so a
 * 30-day report is one call), the 10 newest orders (the all-orders index: one Query per write
 * shard, then their items) and the products at or below their low-stock threshold (the
 * catalogue, which also names the top products), the three at once.
 */
import { batchGetInOrder } from '../batch-get.js';
import { ValidationError } from '../errors.js';
import { listOrders } from '../orders/order-repository.js';
import { ORDER_STATUSES, type OrderStatus } from '../orders/order-status.js';
import { toPublicOrder } from '../orders/order.js';
import { productKey } from '../products/product-keys.js';
import { readCatalogue } from '../products/product-repository.js';
import { toProductRecord, toPublicProduct } from '../products/product.js';
import { statsKey, statusAttribute } from './counters.js';

export const MAX_RANGE_DAYS = 366;
/** The low-stock list reads at most this many products (5 BatchGets). */
const LOW_STOCK_READ_BOUND = 500;
const DAY_MS = 86_400_000;

export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  // A range the caller gave half of (the other half defaulted) is still their input: 400 VALIDATION_ERROR naming the field.
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) throw new ValidationError([{ field: 'query.from', message: 'must be a date on or before to (default: today)' }]);
  const count = (end - start) / DAY_MS + 1;
  if (count > MAX_RANGE_DAYS) throw new ValidationError([{ field: 'query.from', message: `a report covers at most ${MAX_RANGE_DAYS} days` }], `A report covers at most ${MAX_RANGE_DAYS} days`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}

export interface CounterTotals {
  revenue: number;
  orderCount: number;
  paidOrders: number;
  paidValue: number;
  ordersByStatus: Record<OrderStatus, number>;
  quantityByProduct: Map<string, number>;
  revenueByProduct: Map<string, number>;
}

/** Adds up the counter items of the days (pure: unit-tested without AWS). */
export function sumCounters(items: readonly Record<string, unknown>[]): CounterTotals {
  const totals: CounterTotals = {
    revenue: 0,
    orderCount: 0,
    paidOrders: 0,
    paidValue: 0,
    ordersByStatus: Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>,
    quantityByProduct: new Map(),
    revenueByProduct: new Map(),
  };
  const n = (value: unknown) => (typeof value === 'number' ? value : 0);
  for (const item of items) {
    if (item.sk === 'PAYMENTS') totals.revenue += n(item.revenue);
    if (item.sk === 'STATUS') {
      totals.orderCount += n(item.ordersPlaced);
      for (const status of ORDER_STATUSES) totals.ordersByStatus[status] += n(item[statusAttribute(status)]);
    }
    if (item.sk === 'SALES') {
      totals.paidOrders += n(item.paidOrders);
      totals.paidValue += n(item.paidValue);
      for (const [name, value] of Object.entries(item)) {
        const [kind, productId] = [name.slice(0, 2), name.slice(2)];
        if (kind === 'q_') totals.quantityByProduct.set(productId, (totals.quantityByProduct.get(productId) ?? 0) + n(value));
        if (kind === 'r_') totals.revenueByProduct.set(productId, (totals.revenueByProduct.get(productId) ?? 0) + n(value));
      }
    }
  }
  return totals;
}

const top = (values: Map<string, number>, count = 10) =>
  [...values].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, count).map(([productId]) => productId);

export async function analytics(range: { from: string; to: string }) {
  const days = daysBetween(range.from, range.to);
  const keys = days.flatMap((day) => [statsKey(day, 'STATUS'), statsKey(day, 'SALES'), statsKey(day, 'PAYMENTS')]);
  const readCounters = async () => {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) items.push(...(await batchGetInOrder(keys.slice(i, i + 100))).items);
    return items;
  };
  // Independent reads, at once: the counters, the newest orders, the catalogue (low stock).
  const [counterItems, recent, catalogue] = await Promise.all([
    readCounters(),
    listOrders({ from: range.from, to: range.to, limit: 10 }),
    // Reads at most the first LOW_STOCK_READ_BOUND products of the catalogue (see README).
    readCatalogue({ maxProducts: LOW_STOCK_READ_BOUND }),
  ]);
  const totals = sumCounters(counterItems);

  const byQuantity = top(totals.quantityByProduct);
  const byRevenue = top(totals.revenueByProduct);
  // The top products' names: from the catalogue just read; only those beyond it are read again.
  const names = new Map(catalogue.products.map((item) => [item.id as string, item.name as string]));
  const unnamed = [...new Set([...byQuantity, ...byRevenue])].filter((id) => !names.has(id));
  if (unnamed.length > 0) for (const item of (await batchGetInOrder(unnamed.map(productKey))).items) names.set(item.id as string, item.name as string);
  const describe = (productId: string) => ({
    productId,
    name: names.get(productId) ?? null,
    quantity: totals.quantityByProduct.get(productId) ?? 0,
    revenue: totals.revenueByProduct.get(productId) ?? 0,
  });

  const lowStock = catalogue.products
    .map(toProductRecord)
    .filter((product) => product.stock <= product.lowStockThreshold && !product.deletedAt)
    .slice(0, 50);

  return {
    from: range.from,
    to: range.to,
    revenue: totals.revenue,
    orderCount: totals.orderCount,
    paidOrders: totals.paidOrders,
    averageOrderValue: totals.paidOrders > 0 ? Math.round(totals.paidValue / totals.paidOrders) : 0,
    ordersByStatus: totals.ordersByStatus,
    topProducts: byQuantity.map(describe),
    topProductsByRevenue: byRevenue.map(describe),
    recentOrders: recent.items.map(toPublicOrder),
    lowStock: lowStock.map(toPublicProduct),
  };
}
