/**
 * `npm run bench:http`: HTTP load on the local stack (`npm start`'s stack, started in this
 * process on free ports: gateway, handlers, DynamoDB Local, fauxqs), driven by autocannon.
 *
 * Endpoints, each for BENCH_HTTP_SECONDS (default 8) with BENCH_HTTP_CONNECTIONS (default 10)
 * connections, after a short warm-up:
 * - GET /health: no handler work and no DynamoDB call, the gateway's own floor;
 * - GET /products, GET /products/{id} (ids rotated over PRODUCTS products);
 * - POST /orders (CUSTOMERS customers, one random product of PRODUCTS per order, so no one item is hot);
 * - GET /orders (authenticated, tokens rotated over the customers, who by then have orders).
 * Prints requests/s, latency p50/p99, errors (non-2xx answers, socket errors, timeouts) and each
 * endpoint's requests/s and p50 as a ratio of /health's.
 *
 * Note: autocannon shares this process (and its event loop) with the gateway and handlers, as
 * the whole stack shares the machine's cores; the ratios to /health are the comparable numbers.
 * Informational only: prints numbers, asserts nothing.
 */
import { availableParallelism, cpus } from 'node:os';
import autocannon from 'autocannon';
import { findFreePort } from '../infra/local/free-port.js';
import { fmt, mulberry32, table } from './support.js';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_HTTP_WARMUP_SECONDS ?? 1);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 200);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100);
const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

interface Row {
  label: string;
  perSecond: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  statuses: string;
}

async function main() {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  // Each customer places dozens of orders and pays none: lift the unpaid-order cap out of the way.
  process.env.MAX_UNPAID_ORDERS ??= '1000';
  const { startLocalStack } = await import('../infra/local/local-stack.js');
  const stack = await startLocalStack({ apiPort: await findFreePort(), log: () => {} });
  try {
    // Project modules only now: they read the environment at import.
    const { createProduct } = await import('../shared/products/product-repository.js');
    const { createUser } = await import('../shared/users/user-repository.js');
    const { startSession } = await import('../shared/auth/sessions.js');

    console.log(`Setting up: ${PRODUCTS} products, ${CUSTOMERS} customers...`);
    const products: string[] = [];
    for (let i = 0; i < PRODUCTS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, PRODUCTS - i) }, (_, j) =>
          createProduct({ name: `Bench product ${i + j}`, description: 'A product for the HTTP benchmark', price: 500 + (i + j) * 7, currency: 'usd', stock: 10_000_000, lowStockThreshold: 0, category: 'bench' }),
        ),
      );
      products.push(...batch.map((p) => p.id));
    }
    const tokens: string[] = [];
    for (let i = 0; i < CUSTOMERS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, CUSTOMERS - i) }, async (_, j) => {
          const user = await createUser({ email: `http-bench-${i + j}-${Date.now()}@example.com`, name: `Bench ${i + j}`, passwordHash: 'unused', role: 'customer' });
          return (await startSession(user)).accessToken;
        }),
      );
      tokens.push(...batch);
    }

    const random = mulberry32(7);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const url = stack.apiUrl;
    const endpoints: { label: string; request: autocannon.Request }[] = [
      { label: 'GET /health (floor)', request: { method: 'GET', path: '/health' } },
      { label: 'GET /products', request: { method: 'GET', path: '/products' } },
      { label: 'GET /products/{id}', request: { method: 'GET', setupRequest: (req) => ({ ...req, path: `/products/${pick(products)}` }) } },
      {
        label: 'POST /orders (1 line)',
        request: {
          method: 'POST',
          setupRequest: (req) => ({
            ...req,
            path: '/orders',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${pick(tokens)}` },
            body: JSON.stringify({ shippingAddress: address, items: [{ productId: pick(products), quantity: 1 }] }),
          }),
        },
      },
      { label: 'GET /orders (customer)', request: { method: 'GET', setupRequest: (req) => ({ ...req, path: '/orders', headers: { authorization: `Bearer ${pick(tokens)}` } }) } },
    ];

    const run = (request: autocannon.Request, duration: number) =>
      autocannon({ url, connections: CONNECTIONS, duration, requests: [request] });
    const rows: Row[] = [];
    for (const { label, request } of endpoints) {
      console.log(`  ${label}: ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured...`);
      await run(request, WARMUP_SECONDS);
      const result = await run(request, SECONDS);
      const statuses = Object.entries(result.statusCodeStats ?? {})
        .map(([code, { count }]) => `${count}×${code}`)
        .join(' ');
      rows.push({
        label,
        perSecond: result.requests.total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
        errors: result.non2xx + result.errors + result.timeouts,
        statuses,
      });
    }

    const floor = rows[0]!;
    console.log('');
    console.log(`HTTP load on the local stack (in process, DynamoDB Local in memory); autocannon, ${CONNECTIONS} connections, ${SECONDS} s per endpoint; Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'})`);
    table(
      ['endpoint', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'req/s ÷ health', 'p50 ÷ health', 'statuses'],
      rows.map((r) => [r.label, String(r.total), fmt(r.perSecond, 0), fmt(r.p50, 0), fmt(r.p99, 0), String(r.errors), fmt(r.perSecond / floor.perSecond, 2), fmt(r.p50 / Math.max(floor.p50, 1), 1), r.statuses]),
    );
    console.log('errors = non-2xx answers + socket errors + timeouts. p50 ÷ health uses max(health p50, 1 ms).');
    console.log('Informational only.');
  } finally {
    await stack.stop();
  }
}

const startedAt = Date.now();
try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  console.log(`Total run ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
}
