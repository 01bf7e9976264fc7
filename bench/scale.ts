/**
 * `npm run bench:scale`: the write path under AWS's concurrency rules, on the conflict-faithful
 * local stack (`npm start`'s stack: gateway, handlers, DynamoDB Local behind the conflict proxy,
 * stream aggregator), over real HTTP with real parallel requests.
 *
 * 1. Spread load: BUYERS concurrent buyers place ORDERS one-line orders over PRODUCTS products:
 *    orders/s, latency p50/p99, transactions cancelled by conflicts, conflict retries, 503s.
 * 2. Flash sale: SALE_BUYERS concurrent buyers, one product with SALE_STOCK units, one each:
 *    201 / 409 OUT_OF_STOCK / 503, and the stock left.
 * 3. Hottest keys during the spread load: the share of each index's writes taken by its
 *    hottest partition key value, purchased products aside.
 * 4. Before/after in the same run: the same spread load and flash sale sent as bare
 *    TransactWriteItems (no HTTP, no auth), once with today's write set and once with the
 *    write set of the previous design (a shop-wide `STATS#<day>` counter item in every
 *    transaction, unsharded `ORDERS` and `STATUS#pending` keys, product items on the listing
 *    indexes, 4 attempts with the old backoff): conflicts and 503s as ratios.
 *
 * Informational only: prints numbers, asserts nothing. BENCH_TX_LATENCY_MS (default 10) makes
 * every transaction hold its items that much longer, as DynamoDB's two-phase commit does.
 */
import { performance } from 'node:perf_hooks';
import { findFreePort } from '../infra/local/free-port.js';
import type { ConflictProxyStats, HotKey } from '../infra/local/conflict-proxy.js';
import { fmt, mulberry32, percentile, table } from './support.js';

const BUYERS = Number(process.env.BENCH_BUYERS ?? 32);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1000);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 200);
const SALE_BUYERS = Number(process.env.BENCH_SALE_BUYERS ?? 200);
const SALE_STOCK = Number(process.env.BENCH_SALE_STOCK ?? 100);
const TX_LATENCY_MS = Number(process.env.BENCH_TX_LATENCY_MS ?? 10);
const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

interface RunResult {
  label: string;
  ms: number;
  latencies: number[];
  statuses: Map<number | string, number>;
  conflicts: number;
  retries: number;
}

const count = (map: Map<number | string, number>, key: number | string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Runs `total` jobs on `workers` concurrent loops; each job returns its status. */
async function runLoad(label: string, workers: number, total: number, job: (worker: number, n: number) => Promise<number | string>, proxyUrl: string, retries: () => number): Promise<RunResult> {
  await fetch(`${proxyUrl}/__proxy/reset`, { method: 'POST' });
  const retriesBefore = retries();
  const latencies: number[] = [];
  const statuses = new Map<number | string, number>();
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (next < total) {
        const n = next++;
        const t0 = performance.now();
        count(statuses, await job(worker, n));
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const ms = performance.now() - startedAt;
  const stats = (await (await fetch(`${proxyUrl}/__proxy/stats`)).json()) as ConflictProxyStats;
  return { label, ms, latencies, statuses, conflicts: stats.transactionConflicts, retries: retries() - retriesBefore };
}

const proxyStats = async (proxyUrl: string) => (await (await fetch(`${proxyUrl}/__proxy/stats?top=1000`)).json()) as ConflictProxyStats;

/** Per index: the hottest key, and the hottest that is not a product (a purchased product is the expected hot spot). */
function hotKeyTable(stats: ConflictProxyStats) {
  table(['index', 'writes', 'hottest key', 'share', 'peak/s', 'hottest non-product key', 'share'], stats.writes.indexes.map((index) => {
    const keys = stats.writes.hottestKeys.filter((key) => key.index === index.index);
    const nonProduct = keys.find((key) => !key.key.startsWith('PRODUCT#'));
    const share = (key: HotKey | undefined) => (key ? `${fmt(key.share * 100, 1)} %` : '-');
    return [index.index, String(index.writes), keys[0]?.key ?? '-', share(keys[0]), String(keys[0]?.peakPerSecond ?? '-'), nonProduct?.key ?? '-', share(nonProduct)];
  }));
}

const row = (r: RunResult, total: number) => [
  r.label,
  fmt((total / r.ms) * 1000, 0),
  fmt(percentile(r.latencies, 50), 0),
  fmt(percentile(r.latencies, 99), 0),
  String(r.conflicts),
  String(r.retries),
  [...r.statuses].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([status, n]) => `${n}×${status}`).join(' '),
];

async function main() {
  // 503s are the subject here, not news: keep the handlers' logs out of the table.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  // Each buyer places ~30 orders and pays none: lift the unpaid-order cap (default 10) out of the way.
  process.env.MAX_UNPAID_ORDERS ??= '1000';
  const { startLocalStack } = await import('../infra/local/local-stack.js');
  const stack = await startLocalStack({ apiPort: await findFreePort(), conflictProxy: { transactionLatencyMs: TX_LATENCY_MS }, log: () => {} });
  try {
    const proxyUrl = stack.conflictProxyUrl!;
    const api = async (method: string, path: string, body?: unknown, token?: string) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const admin = (await api('POST', '/auth/login', { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD })).body.accessToken as string;
    const createProduct = async (name: string, stock: number) =>
      (await api('POST', '/products', { name, price: 1000 + Math.floor(Math.random() * 9000), stock, category: 'bench' }, admin)).body.id as string;
    const register = async (n: number) =>
      (await api('POST', '/auth/register', { email: `buyer-${n}-${Date.now()}@example.com`, password: 'correct horse', name: `Buyer ${n}` })).body.accessToken as string;
    const inBatches = async <T>(count: number, size: number, fn: (i: number) => Promise<T>) => {
      const out: T[] = [];
      for (let i = 0; i < count; i += size) out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => fn(i + j)))));
      return out;
    };

    console.log(`Setting up: ${PRODUCTS} products, ${Math.max(BUYERS, SALE_BUYERS)} buyers (transaction latency ${TX_LATENCY_MS} ms)...`);
    const productIds = await inBatches(PRODUCTS, 10, (i) => createProduct(`Bench product ${i}`, 100_000));
    const tokens = await inBatches(Math.max(BUYERS, SALE_BUYERS), 8, register);
    const { transactionConflicts } = await import('../shared/transactions.js');
    const retries = () => transactionConflicts.retried;

    // 1. Spread load over HTTP.
    const random = mulberry32(42);
    const spread = await runLoad('spread, HTTP (this design)', BUYERS, ORDERS, async (worker) => {
      const productId = productIds[Math.floor(random() * productIds.length)]!;
      return (await api('POST', '/orders', { shippingAddress: address, items: [{ productId, quantity: 1 }] }, tokens[worker])).status;
    }, proxyUrl, retries);
    const spreadStats = await proxyStats(proxyUrl);

    // 2. Flash sale over HTTP.
    const saleProduct = await createProduct('Flash sale', SALE_STOCK);
    const sale = await runLoad('flash sale, HTTP (this design)', SALE_BUYERS, SALE_BUYERS, async (worker) => {
      const response = await api('POST', '/orders', { shippingAddress: address, items: [{ productId: saleProduct, quantity: 1 }] }, tokens[worker]);
      return response.status === 409 ? `409 ${(response.body.error as { code: string }).code}` : response.status;
    }, proxyUrl, retries);
    const saleStock = (await api('GET', `/products/${saleProduct}`)).body.stock;

    // 4. Bare transactions: this design's write set vs the previous design's.
    const bare = await import('./scale-write-sets.js');
    const userIds = tokens.map((_, i) => `bench-user-${i}`);
    const bareRuns: RunResult[] = [];
    const bareSale: RunResult[] = [];
    const bareHot: ConflictProxyStats[] = [];
    for (const design of ['current', 'previous'] as const) {
      const name = design === 'current' ? 'this design' : 'previous design';
      const products = await bare.createProducts(design, PRODUCTS, 100_000);
      const randomBare = mulberry32(42);
      bareRuns.push(await runLoad(`spread, bare (${name})`, BUYERS, ORDERS, (worker) => bare.placeOrder(design, userIds[worker]!, products[Math.floor(randomBare() * products.length)]!), proxyUrl, () => bare.retries[design]));
      bareHot.push(await proxyStats(proxyUrl));
      const [saleId] = await bare.createProducts(design, 1, SALE_STOCK);
      bareSale.push(await runLoad(`flash sale, bare (${name})`, SALE_BUYERS, SALE_BUYERS, (worker) => bare.placeOrder(design, userIds[worker]!, saleId!), proxyUrl, () => bare.retries[design]));
    }

    console.log(`\nSpread load: ${BUYERS} buyers, ${ORDERS} one-line orders over ${PRODUCTS} products; flash sale: ${SALE_BUYERS} buyers, ${SALE_STOCK} units`);
    table(['run', 'orders/s', 'p50 ms', 'p99 ms', 'conflicts', 'retries', 'answers'], [
      row(spread, ORDERS), ...bareRuns.map((r) => row(r, ORDERS)), row(sale, SALE_BUYERS), ...bareSale.map((r) => row(r, SALE_BUYERS)),
    ]);
    console.log(`Flash sale stock left (HTTP): ${String(saleStock)}`);
    const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1' : '∞') : fmt(a / b, 3));
    console.log(
      `Previous / this design (bare, same run): conflicts ${ratio(bareRuns[1]!.conflicts, bareRuns[0]!.conflicts)}× in the spread load, ` +
        `503s ${bareRuns[1]!.statuses.get(503) ?? 0} vs ${bareRuns[0]!.statuses.get(503) ?? 0}; flash-sale 503s ${bareSale[1]!.statuses.get(503) ?? 0} vs ${bareSale[0]!.statuses.get(503) ?? 0}`,
    );

    const conflictsOn = (stats: ConflictProxyStats) => {
      const all = stats.conflictKeys.reduce((sum, key) => sum + key.conflicts, 0);
      const products = stats.conflictKeys.filter((key) => key.key.startsWith('PRODUCT#')).reduce((sum, key) => sum + key.conflicts, 0);
      const others = stats.conflictKeys.filter((key) => !key.key.startsWith('PRODUCT#')).slice(0, 3).map((key) => `${key.key} ${key.conflicts}`);
      return `${products} of ${all} conflicting items were products${others.length ? `; others: ${others.join(', ')}` : ''}`;
    };
    console.log(`\nWhere the spread load conflicted: HTTP ${conflictsOn(spreadStats)}; bare, this design: ${conflictsOn(bareHot[0]!)}; bare, previous design: ${conflictsOn(bareHot[1]!)}`);

    for (const [label, stats] of [['HTTP spread load, this design', spreadStats], ['bare spread load, this design', bareHot[0]!], ['bare spread load, previous design', bareHot[1]!]] as const) {
      console.log(`\nHottest partition keys, ${label} (share of that index's writes):`);
      hotKeyTable(stats);
    }
  } finally {
    await stack.stop();
  }
}

const startedAt = performance.now();
main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => console.log(`Total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`));
