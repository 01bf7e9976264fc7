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
 * 2. DynamoDB calls per cart and order endpoint, counted by a middleware on the document
 *    client (`db`), SQS messages by one on the SQS client; median handler latency of REPS calls.
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
import { percentile, fmt, table, mulberry32, runBenchmark, startBenchEmulators, countSqsCommands } from './support.js';

const TABLE_NAME = 'bench-checkout';
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const WARMUP = 60;
const PRODUCTS = 50;
const LINES_PER_ORDER = 2;
const REPS = 15;

async function main(emulatorsRef: { current?: Emulators }) {
  await startBenchEmulators(emulatorsRef, TABLE_NAME, { JWT_SECRET: 'bench-checkout-jwt-secret-0123456789abcdef' });
  const { provisionQueues } = await import('../infra/local/provision.js');
  process.env.ORDER_EVENTS_QUEUE_URL = (await provisionQueues('bench-')).urls.orderEvents;
  // Customers here place dozens of orders and pay few: lift the unpaid-order cap (default 10).
  process.env.MAX_UNPAID_ORDERS ??= '1000';

  // Project modules only now: they read the environment at import.
  const { db, tableName } = await import('../shared/clients/dynamodb.js');
  const { sqs } = await import('../shared/clients/sqs.js');
  const { TransactWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const { ulid } = await import('ulid');
  const { createProduct } = await import('../shared/products/product-repository.js');
  const { createUser } = await import('../shared/users/user-repository.js');
  const { ensureAdmin } = await import('../shared/users/accounts.js');
  const { startSession } = await import('../shared/auth/sessions.js');
  const { routes } = await import('../infra/routes.js');
  const { apiEvent, invoke } = await import('../test/support/api-gateway-event.js');
  const { takeStockItem } = await import('../shared/carts/cart-repository.js');
  const { orderKey, orderIndexKey, userOrdersPartition, statusPartition, allOrdersPartition } = await import('../shared/orders/order-keys.js');
  const { countUnpaidItem } = await import('../shared/orders/order-repository.js');
  type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
  const h = {
    getCart: (await import('../functions/cart/get.js')).handler as Handler,
    setLine: (await import('../functions/cart/set-line.js')).handler as Handler,
    removeLine: (await import('../functions/cart/remove-line.js')).handler as Handler,
    clearCart: (await import('../functions/cart/clear.js')).handler as Handler,
    place: (await import('../functions/orders/place.js')).handler as Handler,
    list: (await import('../functions/orders/list.js')).handler as Handler,
    get: (await import('../functions/orders/get.js')).handler as Handler,
    cancel: (await import('../functions/orders/cancel.js')).handler as Handler,
    changeStatus: (await import('../functions/orders/change-status.js')).handler as Handler,
    recordPayment: (await import('../functions/payments/record.js')).handler as Handler,
  };

  // --- Counting ------------------------------------------------------------------------------
  let counts = new Map<string, number>();
  let conflicts = 0;
  const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const input = args.input as { RequestItems?: Record<string, { ProjectionExpression?: string }> };
      const isAuth = name === 'BatchGetItem' && Boolean(input.RequestItems?.[TABLE_NAME]?.ProjectionExpression?.includes('#role'));
      bump(isAuth ? 'BatchGetItem(auth)' : name);
      try {
        return await next(args);
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'TransactionConflict')) conflicts += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCheckoutCounter' },
  );
  countSqsCommands(sqs, bump, 'benchCheckoutSqsCounter');

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
  const adminUser = await ensureAdmin({ email: 'bench-admin@example.com', password: 'bench-admin-password-1' });
  const adminToken = (await startSession(adminUser)).accessToken;
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
    const response = await invoke(h.place, apiEvent(routes.placeOrder, { token: customers[worker]!.token, body: { shippingAddress: address, items: lines } }));
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

  // --- Calls per endpoint --------------------------------------------------------------------
  const perEndpoint: string[][] = [];
  async function measure(label: string, call: () => Promise<{ statusCode: number; body: unknown }>, expected: number, prepare?: () => Promise<unknown>) {
    let callsSeen = '';
    let total = 0;
    const ms: number[] = [];
    for (let rep = 0; rep < REPS; rep += 1) {
      if (prepare) await prepare();
      counts = new Map();
      const t0 = performance.now();
      const response = await call();
      ms.push(performance.now() - t0);
      if (response.statusCode !== expected) throw new Error(`${label} → ${response.statusCode} ${JSON.stringify(response.body)}`);
      const dynamo = [...counts].filter(([name]) => !name.startsWith('SQS'));
      const breakdown = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${n} ${name}`).join(', ');
      if (callsSeen && callsSeen !== breakdown) callsSeen = `${callsSeen} | varies: ${breakdown}`;
      else callsSeen = breakdown;
      total = dynamo.reduce((n, [, c]) => n + c, 0);
    }
    perEndpoint.push([label, String(total), callsSeen, fmt(percentile(ms, 50)), fmt(percentile(ms, 95))]);
  }

  const shopper = customers[0]!;
  const asShopper = { token: shopper.token };
  const cartIds = spread.slice(0, 3).map((p) => p.id);
  const fillCart = async () => {
    for (const productId of cartIds) await invoke(h.setLine, apiEvent(routes.setCartLine, { ...asShopper, path: { productId }, body: { quantity: 1 } }));
  };
  await invoke(h.clearCart, apiEvent(routes.clearCart, asShopper));
  await fillCart();
  await measure('GET /cart (3 lines)', () => invoke(h.getCart, apiEvent(routes.getCart, asShopper)), 200);
  let flip = 1;
  await measure('PUT /cart/items/{id} (change a line)', () => invoke(h.setLine, apiEvent(routes.setCartLine, { ...asShopper, path: { productId: cartIds[0]! }, body: { quantity: (flip = 3 - flip) } })), 200);
  await measure(
    'PUT /cart/items/{id} (new line, 4th)',
    () => invoke(h.setLine, apiEvent(routes.setCartLine, { ...asShopper, path: { productId: spread[10]!.id }, body: { quantity: 1 } })),
    200,
    () => invoke(h.removeLine, apiEvent(routes.removeCartLine, { ...asShopper, path: { productId: spread[10]!.id } })),
  );
  await measure(
    'DELETE /cart/items/{id} (4 → 3 lines)',
    () => invoke(h.removeLine, apiEvent(routes.removeCartLine, { ...asShopper, path: { productId: spread[10]!.id } })),
    200,
    () => invoke(h.setLine, apiEvent(routes.setCartLine, { ...asShopper, path: { productId: spread[10]!.id }, body: { quantity: 1 } })),
  );
  await measure('DELETE /cart (3 lines)', () => invoke(h.clearCart, apiEvent(routes.clearCart, asShopper)), 204, fillCart);
  await measure('POST /orders from the cart (3 lines)', () => invoke(h.place, apiEvent(routes.placeOrder, { ...asShopper, body: { shippingAddress: address } })), 201, fillCart);
  const threeItems = cartIds.map((productId) => ({ productId, quantity: 1 }));
  await measure('POST /orders with items (3 lines)', () => invoke(h.place, apiEvent(routes.placeOrder, { ...asShopper, body: { shippingAddress: address, items: threeItems } })), 201);
  let key = 0;
  await measure('POST /orders with items + Idempotency-Key', () =>
    invoke(h.place, apiEvent(routes.placeOrder, { ...asShopper, body: { shippingAddress: address, items: threeItems }, headers: { 'idempotency-key': `bench-${key++}` } })), 201);
  await measure('POST /orders replay (same key and body)', () =>
    invoke(h.place, apiEvent(routes.placeOrder, { ...asShopper, body: { shippingAddress: address, items: threeItems }, headers: { 'idempotency-key': 'bench-0' } })), 201);
  // A customer with a handful of orders, and the admin's view.
  const reader = customers[1]!;
  await measure('GET /orders (customer, limit 20)', () => invoke(h.list, apiEvent(routes.listOrders, { token: reader.token, query: { limit: '20' } })), 200);
  await measure('GET /orders (admin, all, limit 20)', () => invoke(h.list, apiEvent(routes.listOrders, { token: adminToken, query: { limit: '20' } })), 200);
  await measure('GET /orders (admin, status=pending, limit 20)', () => invoke(h.list, apiEvent(routes.listOrders, { token: adminToken, query: { limit: '20', status: 'pending' } })), 200);
  const someOrder = (await invoke(h.place, apiEvent(routes.placeOrder, { ...asShopper, body: { shippingAddress: address, items: threeItems } }))).body as { id: string };
  await measure('GET /orders/{id}', () => invoke(h.get, apiEvent(routes.getOrder, { ...asShopper, path: { id: someOrder.id } })), 200);
  let toCancel = '';
  await measure(
    'POST /orders/{id}/cancel (3 lines)',
    () => invoke(h.cancel, apiEvent(routes.cancelOrder, { ...asShopper, path: { id: toCancel } })),
    200,
    async () => {
      toCancel = ((await invoke(h.place, apiEvent(routes.placeOrder, { ...asShopper, body: { shippingAddress: address, items: threeItems } }))).body as { id: string }).id;
    },
  );
  let toPay = { id: '', total: 0 };
  await measure(
    'POST /orders/{id}/payments (pending → paid)',
    () => invoke(h.recordPayment, apiEvent(routes.recordPayment, { token: adminToken, path: { id: toPay.id }, body: { amount: toPay.total, method: 'cash' } })),
    201,
    async () => {
      toPay = (await invoke(h.place, apiEvent(routes.placeOrder, { ...asShopper, body: { shippingAddress: address, items: threeItems } }))).body as { id: string; total: number };
    },
  );

  // --- Report --------------------------------------------------------------------------------
  console.log('');
  console.log(`Checkout on DynamoDB Local (in memory), handlers invoked in process; Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'})`);
  console.log('');
  console.log(`Throughput: ${WORKERS} concurrent workers, ${ORDERS} orders per row (2 alternating rounds each), after ${WARMUP}+${WARMUP} warm-up orders:`);
  table(['path', 'orders', 'orders/s', 'p50 ms', 'p95 ms', 'conflicts'], throughput);
  console.log('handler = TransactWriteItems (+ 3 session ConditionChecks, snapshot conditions) + JWT, zod, middy; a product not seen yet: + one BatchGetItem;');
  console.log('bare = the same TransactWriteItems alone. conflicts = TransactionConflict answers seen (DynamoDB Local serialises transactions: always 0 here).');
  console.log('');
  console.log(`Calls per request (${REPS} requests each; "calls" = DynamoDB calls including the authentication BatchGetItem):`);
  table(['endpoint', 'calls', 'breakdown', 'p50 ms', 'p95 ms'], perEndpoint);
  console.log('');
  console.log('Informational only.');
}

await runBenchmark(main);
