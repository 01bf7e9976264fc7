/**
 * `npm run bench:checkout`: what checkout costs, against DynamoDB Local (in memory) and fauxqs.
 *
 * 1. Throughput: POST /orders with `items` through the real handler, invoked in process
 *    (`invoke(handler, apiEvent(...))`: JWT, zod, middy; once warm, one TransactWriteItems
 *    whose stock takes are conditioned on the container's product snapshots and which carries
 *    the session's ConditionChecks; the first order of a product reads it with the session
 *    lookup in one BatchGetItem; order.placed comes from the table's stream, not the request),
 *    by WORKERS concurrent workers (one customer each),
 *    versus a bare loop sending the same TransactWriteItems (the conditional stock decrements,
 *    the order item and its index item) with the same concurrency, in the same run. Two
 *    catalogues: orders spread over 50 products, and every order on one hot product.
 *    orders/s, latency p50/p95 per request, and the ratio handler / bare.
 *
 * DynamoDB calls per endpoint (cart and order routes included) are `npm run bench:calls`.
 *
 * Note: DynamoDB Local runs transactions one at a time, so it never answers
 * TransactionConflict; on AWS, concurrent checkouts of one hot product do conflict and are
 * retried (then 503). The counts of conflicts seen are printed for that reason.
 *
 * Informational only: no thresholds, no timed assertions.
 */
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Emulators } from '../infra/local/emulators.js';
import { percentile, fmt, table, mulberry32, runBenchmark, startBenchEmulators } from './support.js';

const TABLE_NAME = 'bench-checkout';
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const WARMUP = 60;
const PRODUCTS = 50;
const LINES_PER_ORDER = 2;

async function main(emulatorsRef: { current?: Emulators }) {
  await startBenchEmulators(emulatorsRef, TABLE_NAME, { JWT_SECRET: 'bench-checkout-jwt-secret-0123456789abcdef' });
  const { provisionQueues } = await import('../infra/local/provision.js');
  process.env.ORDER_EVENTS_QUEUE_URL = (await provisionQueues('bench-')).urls.orderEvents;
  // Customers here place dozens of orders and pay few: lift the unpaid-order cap (default 10).
  process.env.MAX_UNPAID_ORDERS ??= '1000';

  // Project modules only now: they read the environment at import.
  const { db, tableName } = await import('../shared/clients/dynamodb.js');
  const { TransactWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ulid } = await import('ulid');
  const { createProduct } = await import('../shared/products/product-repository.js');
  const { createUser } = await import('../shared/users/user-repository.js');
  const { startSession } = await import('../shared/auth/sessions.js');
  const { routes } = await import('../infra/routes.js');
  const { apiEvent, invoke } = await import('../test/support/api-gateway-event.js');
  const { takeStockItem } = await import('../shared/carts/cart-repository.js');
  const { orderKey, orderIndexKey, userOrdersPartition, statusPartition, allOrdersPartition } = await import('../shared/orders/order-keys.js');
  const { countUnpaidItem } = await import('../shared/orders/order-repository.js');
  type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
  const placeOrder = (await import('../functions/orders/place.js')).handler as Handler;

  // --- Conflicts seen ------------------------------------------------------------------------
  let conflicts = 0;
  db.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'TransactionConflict')) conflicts += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCheckoutConflicts' },
  );

  // --- Seed ----------------------------------------------------------------------------------
  const spread = await Promise.all(
    Array.from({ length: PRODUCTS }, (_, i) =>
      createProduct({ name: `Bench product ${i}`, description: '', price: 500 + i * 10, currency: 'usd', stock: 1_000_000, lowStockThreshold: 0 }),
    ),
  );
  const hot = await createProduct({ name: 'Hot product', description: '', price: 999, currency: 'usd', stock: 1_000_000, lowStockThreshold: 0 });
  const customers = await Promise.all(
    Array.from({ length: WORKERS }, async (_, i) => {
      const user = await createUser({ email: `bench-${i}@example.com`, name: `Bench ${i}`, passwordHash: 'unused', role: 'customer' });
      return { id: user.id, token: (await startSession(user)).accessToken };
    }),
  );
  const address = { line1: '1 Bench Road', city: 'Benchville', postalCode: '12345', country: 'US' };
  const productsById = new Map([...spread, hot].map((p) => [p.id, p]));

  function orderPlan(seed: number, count: number, catalogue: 'spread' | 'hot') {
    const random = mulberry32(seed);
    return Array.from({ length: count }, () => {
      if (catalogue === 'hot') return [{ productId: hot.id, quantity: 1 }];
      const ids = new Set<string>();
      while (ids.size < LINES_PER_ORDER) ids.add(spread[Math.floor(random() * spread.length)]!.id);
      return [...ids].map((productId) => ({ productId, quantity: 1 + Math.floor(random() * 3) }));
    });
  }

  /** WORKERS workers take orders from the plan until it is empty; per-request latency recorded. */
  async function drive(plan: { productId: string; quantity: number }[][], placeOne: (worker: number, lines: { productId: string; quantity: number }[]) => Promise<void>) {
    const latencies: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        while (next < plan.length) {
          const lines = plan[next++]!;
          const s = performance.now();
          await placeOne(worker, lines);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    return { perSecond: plan.length / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), seconds };
  }

  const viaHandler = async (worker: number, lines: { productId: string; quantity: number }[]) => {
    const response = await invoke(placeOrder, apiEvent(routes.placeOrder, { token: customers[worker]!.token, body: { shippingAddress: address, items: lines } }));
    if (response.statusCode !== 201) throw new Error(`POST /orders → ${response.statusCode} ${JSON.stringify(response.body)}`);
  };
  /** The same writes, built here: stock decrements (same conditions), the order, its index item, the unpaid count. */
  const bare = async (worker: number, lines: { productId: string; quantity: number }[]) => {
    const userId = customers[worker]!.id;
    const id = ulid();
    const now = new Date().toISOString();
    const items = lines.map((line) => {
      const product = productsById.get(line.productId)!;
      return { productId: line.productId, name: product.name, unitPrice: product.price, quantity: line.quantity, lineTotal: product.price * line.quantity };
    });
    const total = items.reduce((n, l) => n + l.lineTotal, 0);
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          ...lines.map((line) => takeStockItem(line.productId, line.quantity)),
          {
            Put: {
              TableName: tableName,
              Item: {
                ...orderKey(id), type: 'order', id, userId, status: 'pending', paymentStatus: 'pending', items, total, amountPaid: 0, amountDue: total,
                currency: 'usd', shippingAddress: address, statusHistory: [{ status: 'pending', at: now, by: userId }], createdAt: now, updatedAt: now,
                stockOwned: true, gsi1pk: userOrdersPartition(userId), gsi1sk: `ORDER#${now}#${id}`, gsi2pk: statusPartition('pending', id), gsi2sk: `${now}#${id}`,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: { TableName: tableName, Item: { ...orderIndexKey(id), type: 'orderIndex', orderId: id, userId, status: 'pending', gsi1pk: allOrdersPartition(id), gsi1sk: `${now}#${id}` } } },
          // The customer's unpaid-order count (the cap, issue 11): every placed order writes it.
          countUnpaidItem(userId, Number(process.env.MAX_UNPAID_ORDERS)),
        ],
      }),
    );
  };

  // Warm-up (JIT on both sides, connection pool, token verification keys): not recorded.
  await drive(orderPlan(1, WARMUP, 'spread'), viaHandler);
  await drive(orderPlan(2, WARMUP, 'spread'), bare);

  const throughput: string[][] = [];
  for (const catalogue of ['spread', 'hot'] as const) {
    // Alternate handler/bare twice each and keep both samples, so drift hits both alike.
    const runs: { handler: Awaited<ReturnType<typeof drive>>[]; bare: Awaited<ReturnType<typeof drive>>[] } = { handler: [], bare: [] };
    const conflictsBefore = conflicts;
    for (let round = 0; round < 2; round += 1) {
      runs.handler.push(await drive(orderPlan(10 + round, ORDERS / 2, catalogue), viaHandler));
      runs.bare.push(await drive(orderPlan(10 + round, ORDERS / 2, catalogue), bare));
    }
    const combine = (samples: Awaited<ReturnType<typeof drive>>[]) => ({
      perSecond: ORDERS / samples.reduce((n, s) => n + s.seconds, 0),
      p50: samples.reduce((n, s) => n + s.p50, 0) / samples.length,
      p95: Math.max(...samples.map((s) => s.p95)),
    });
    const handler = combine(runs.handler);
    const bareRun = combine(runs.bare);
    const label = catalogue === 'spread' ? `${LINES_PER_ORDER} lines over ${PRODUCTS} products` : '1 line, one hot product';
    throughput.push(
      [`handler POST /orders (${label})`, String(ORDERS), fmt(handler.perSecond, 0), fmt(handler.p50), fmt(handler.p95), ''],
      [`bare TransactWriteItems (${label})`, String(ORDERS), fmt(bareRun.perSecond, 0), fmt(bareRun.p50), fmt(bareRun.p95), ''],
      [`  ratio handler / bare`, '', fmt(handler.perSecond / bareRun.perSecond, 2), fmt(handler.p50 / bareRun.p50, 2), fmt(handler.p95 / bareRun.p95, 2), String(conflicts - conflictsBefore)],
    );
  }

  // --- Report --------------------------------------------------------------------------------
  console.log('');
  console.log(`Checkout on DynamoDB Local (in memory), handlers invoked in process; Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'})`);
  console.log('');
  console.log(`Throughput: ${WORKERS} concurrent workers, ${ORDERS} orders per row (2 alternating rounds each), after ${WARMUP}+${WARMUP} warm-up orders:`);
  table(['path', 'orders', 'orders/s', 'p50 ms', 'p95 ms', 'conflicts'], throughput);
  console.log('handler = TransactWriteItems (+ 3 session ConditionChecks, snapshot conditions) + JWT, zod, middy; a product not seen yet: + one BatchGetItem;');
  console.log('bare = the same TransactWriteItems alone. conflicts = TransactionConflict answers seen (DynamoDB Local serialises transactions: always 0 here).');
  console.log('');
  console.log('Informational only.');
}

await runBenchmark(main);
