/**
 * `npm run bench:calls`: DynamoDB calls per request, endpoint by endpoint, against issue 13's
 * targets. Handlers invoked in process (`invoke(handler, apiEvent(...))`) on DynamoDB Local (in
 * memory) and fauxqs; a middleware on the document client (`db`) counts every DynamoDB call (the
 * authentication BatchGetItem included, shown apart), one on the SQS client the events sent.
 *
 * Quick (a few seconds after the emulators start): REPS requests per endpoint, each request's
 * calls counted; several breakdowns (separated by |) mark an endpoint whose calls differ between requests (e.g. a cache answering later ones).
 * Informational only: prints numbers and whether each target is met, asserts nothing.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Emulators } from '../infra/local/emulators.js';
import { fmt, percentile, runBenchmark, startBenchEmulators, table, countSqsCommands } from './support.js';
import { performance } from 'node:perf_hooks';

const TABLE_NAME = 'bench-calls';
const REPS = Number(process.env.BENCH_REPS ?? 5);

async function main(emulatorsRef: { current?: Emulators }) {
  await startBenchEmulators(emulatorsRef, TABLE_NAME, { JWT_SECRET: 'bench-calls-jwt-secret-0123456789abcdef', POWERTOOLS_METRICS_DISABLED: 'true' });
  const { provisionQueues } = await import('../infra/local/provision.js');
  process.env.ORDER_EVENTS_QUEUE_URL = (await provisionQueues('bench-calls-')).urls.orderEvents;
  process.env.MAX_UNPAID_ORDERS ??= '1000';

  // Project modules only now: they read the environment at import.
  const { db } = await import('../shared/clients/dynamodb.js');
  const { sqs } = await import('../shared/clients/sqs.js');
  const { createProduct } = await import('../shared/products/product-repository.js');
  const { createUser } = await import('../shared/users/user-repository.js');
  const { ensureAdmin } = await import('../shared/users/accounts.js');
  const { startSession } = await import('../shared/auth/sessions.js');
  const { routes } = await import('../infra/routes.js');
  const { apiEvent, invoke } = await import('../test/support/api-gateway-event.js');
  type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
  const load = async (file: string) => (await import(`../functions/${file}.js`)).handler as Handler;
  const h = {
    listProducts: await load('products/list'),
    getProduct: await load('products/get'),
    getCart: await load('cart/get'),
    setLine: await load('cart/set-line'),
    removeLine: await load('cart/remove-line'),
    clearCart: await load('cart/clear'),
    place: await load('orders/place'),
    list: await load('orders/list'),
    get: await load('orders/get'),
    recordPayment: await load('payments/record'),
    createShipment: await load('shipments/create'),
  };

  let counts = new Map<string, number>();
  const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const input = args.input as { RequestItems?: Record<string, { ProjectionExpression?: string }> };
      const isAuth = name === 'BatchGetItem' && Boolean(input.RequestItems?.[TABLE_NAME]?.ProjectionExpression?.includes('#role'));
      bump(isAuth ? 'BatchGetItem(auth)' : name);
      return next(args);
    },
    { step: 'initialize', name: 'benchCallsCounter' },
  );
  countSqsCommands(sqs, bump, 'benchCallsSqsCounter');

  // --- Seed ----------------------------------------------------------------------------------
  const products = await Promise.all(
    Array.from({ length: 60 }, (_, i) => createProduct({ name: `Calls product ${i}`, description: '', price: 500 + i, currency: 'usd', stock: 1_000_000, lowStockThreshold: 0 })),
  );
  const user = await createUser({ email: 'calls@example.com', name: 'Calls', passwordHash: 'unused', role: 'customer' });
  const shopper = { token: (await startSession(user)).accessToken };
  const adminUser = await ensureAdmin({ email: 'calls-admin@example.com', password: 'calls-admin-password-1' });
  const admin = { token: (await startSession(adminUser)).accessToken };
  const address = { line1: '1 Bench Road', city: 'Benchville', postalCode: '12345', country: 'US' };

  const rows: string[][] = [];
  let met = 0;
  async function measure(label: string, target: number, call: () => Promise<{ statusCode: number; body: unknown }>, expected: number, prepare?: () => Promise<unknown>) {
    let breakdown = '';
    let calls = 0;
    const ms: number[] = [];
    for (let rep = 0; rep < REPS; rep += 1) {
      if (prepare) await prepare();
      counts = new Map();
      const t0 = performance.now();
      const response = await call();
      ms.push(performance.now() - t0);
      if (response.statusCode !== expected) throw new Error(`${label} → ${response.statusCode} ${JSON.stringify(response.body)}`);
      const seen = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${n} ${name}`).join(', ') || 'none (cached)';
      if (!breakdown.split(' | ').includes(seen)) breakdown = breakdown ? `${breakdown} | ${seen}` : seen;
      calls = Math.max(calls, [...counts].filter(([name]) => !name.startsWith('SQS')).reduce((n, [, c]) => n + c, 0));
    }
    if (calls <= target) met += 1;
    rows.push([label, String(calls), `≤ ${target}`, calls <= target ? 'yes' : 'NO', breakdown, fmt(percentile(ms, 50))]);
  }

  const fill = async (count: number) => {
    await invoke(h.clearCart, apiEvent(routes.clearCart, shopper));
    for (const product of products.slice(0, count)) await invoke(h.setLine, apiEvent(routes.setCartLine, { ...shopper, path: { productId: product.id }, body: { quantity: 1 } }));
  };
  const placeWithItems = () => invoke(h.place, apiEvent(routes.placeOrder, { ...shopper, body: { shippingAddress: address, items: products.slice(0, 3).map((p) => ({ productId: p.id, quantity: 1 })) } }));

  await measure('GET /products', 2, () => invoke(h.listProducts, apiEvent(routes.listProducts, {})), 200);
  await measure('GET /products/{id}', 2, () => invoke(h.getProduct, apiEvent(routes.getProduct, { path: { id: products[0]!.id } })), 200);
  await fill(3);
  await measure('GET /cart (3 lines)', 2, () => invoke(h.getCart, apiEvent(routes.getCart, shopper)), 200);
  let flip = 1;
  await measure('PUT /cart/items/{id} (change a line)', 3, () => invoke(h.setLine, apiEvent(routes.setCartLine, { ...shopper, path: { productId: products[0]!.id }, body: { quantity: (flip = 3 - flip) } })), 200);
  const fourth = { productId: products[10]!.id };
  await measure('PUT /cart/items/{id} (new line)', 3, () => invoke(h.setLine, apiEvent(routes.setCartLine, { ...shopper, path: fourth, body: { quantity: 1 } })), 200, () =>
    invoke(h.removeLine, apiEvent(routes.removeCartLine, { ...shopper, path: fourth })));
  await measure('DELETE /cart/items/{id}', 3, () => invoke(h.removeLine, apiEvent(routes.removeCartLine, { ...shopper, path: fourth })), 200, () =>
    invoke(h.setLine, apiEvent(routes.setCartLine, { ...shopper, path: fourth, body: { quantity: 1 } })));
  await measure('DELETE /cart (3 lines)', 3, () => invoke(h.clearCart, apiEvent(routes.clearCart, shopper)), 204, () => fill(3));
  await measure('DELETE /cart (50 lines)', 3, () => invoke(h.clearCart, apiEvent(routes.clearCart, shopper)), 204, () => fill(50));
  await measure('POST /orders from the cart (3 lines)', 3, () => invoke(h.place, apiEvent(routes.placeOrder, { ...shopper, body: { shippingAddress: address } })), 201, () => fill(3));
  await measure('POST /orders with items (3 lines)', 3, placeWithItems, 201);
  await measure('GET /orders (customer, limit 20)', 2, () => invoke(h.list, apiEvent(routes.listOrders, { ...shopper, query: { limit: '20' } })), 200);
  await measure('GET /orders (admin, all, limit 20)', 2, () => invoke(h.list, apiEvent(routes.listOrders, { ...admin, query: { limit: '20' } })), 200);
  const detailed = (await placeWithItems()).body as { id: string; total: number };
  await invoke(h.recordPayment, apiEvent(routes.recordPayment, { ...admin, path: { id: detailed.id }, body: { amount: detailed.total, method: 'cash' } }));
  const shipment = await invoke(h.createShipment, apiEvent(routes.createShipment, { ...admin, body: { orderId: detailed.id, carrier: 'Bench Post', trackingNumber: 'BENCH0001' } }));
  if (shipment.statusCode !== 201) throw new Error(`POST /shipments → ${shipment.statusCode} ${JSON.stringify(shipment.body)}`);
  await measure('GET /orders/{id} (1 payment, 1 shipment)', 2, () => invoke(h.get, apiEvent(routes.getOrder, { ...shopper, path: { id: detailed.id } })), 200);

  console.log('');
  console.log(`DynamoDB calls per request (${REPS} requests each, the most seen; authentication BatchGetItem included; SQS shown, not counted):`);
  table(['endpoint', 'calls', 'target', 'met', 'breakdown', 'p50 ms'], rows);
  console.log(`${met} of ${rows.length} targets met. Informational only.`);
}

await runBenchmark(main);
