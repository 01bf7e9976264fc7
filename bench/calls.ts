/**
 * `npm run bench:calls`: DynamoDB calls per request, endpoint by endpoint, against issue 13's
 * targets. Handlers invoked in process (`invoke(handler, apiEvent(...))`) on DynamoDB Local (in
 * memory) and fauxqs; a middleware on the document client (`db`) counts every DynamoDB call (the
 * authentication BatchGetItem included, shown apart), one on the SQS client the events sent.
 *
 * Quick (a few seconds after the emulators start): REPS requests per endpoint, each request's
 * calls counted; several breakdowns (separated by |) mark an endpoint whose calls differ between requests (e.g. a cache answering later ones).
 * Every GET route of the route table (infra/routes.ts `routeList`) is measured, on realistic
 * data (a product with images, orders with payments and shipments, admin listings of a few
 * pages); a GET route the bench does not measure is printed as such at the end.
 * Informational only: prints numbers and whether each target is met, asserts nothing.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Emulators } from '../infra/local/emulators.js';
import { fmt, percentile, runBenchmark, startBenchEmulators, table, countSqsCommands } from './support.js';
import { performance } from 'node:perf_hooks';

const TABLE_NAME = 'bench-calls';
const REPS = Number(process.env.BENCH_REPS ?? 5);

async function main(emulatorsRef: { current?: Emulators }) {
  await startBenchEmulators(emulatorsRef, TABLE_NAME, { JWT_SECRET: 'bench-calls-jwt-secret-0123456789abcdef', POWERTOOLS_METRICS_DISABLED: 'true', IMAGES_BUCKET: 'bench-calls-images', IMAGES_PUBLIC_URL: 'https://images.example.com' });
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
  const { routes, routeList } = await import('../infra/routes.js');
  const { createContactMessage } = await import('../shared/contact/contact-repository.js');
  const { adjustStock } = await import('../shared/products/product-repository.js');
  const { appendProductImage } = await import('../shared/products/images.js');
  const { applyCounterChanges } = await import('../shared/analytics/counter-aggregator.js');
  const { EXPLORER_ASSET } = await import('../shared/docs/api-reference.js');
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { apiEvent, invoke, lambdaContext } = await import('../test/support/api-gateway-event.js');
  type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
  type RouteId = keyof typeof routes;
  const load = async (file: string) => (await import(`../functions/${file}.js`)).handler as Handler;
  /** A route's handler, from the route table's `handler` file. */
  const handlerOf = async (id: RouteId) => (await import(`../${routes[id].handler.replace(/\.ts$/, '.js')}`)).handler as Handler;
  /** Like `invoke`, but a body that is not JSON (CSV, HTML, the script) is left as text. */
  const read = async (id: RouteId, options: Parameters<typeof apiEvent>[1] = {}) => {
    const result = (await (await handlerOf(id))(apiEvent(routes[id], options), lambdaContext())) as { statusCode: number; headers?: Record<string, string>; body?: string };
    const json = result.headers?.['content-type']?.startsWith('application/json') && result.body;
    return { statusCode: result.statusCode, body: json ? (JSON.parse(result.body!) as unknown) : result.body };
  };
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
  const measuredRoutes = new Set<string>();
  const reads = { met: 0, total: 0 };
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
    if (label.startsWith('GET ')) {
      reads.total += 1;
      if (calls <= target) reads.met += 1;
    }
    rows.push([label, String(calls), `≤ ${target}`, calls <= target ? 'yes' : 'NO', breakdown, fmt(percentile(ms, 50))]);
  }

  const fill = async (count: number) => {
    await invoke(h.clearCart, apiEvent(routes.clearCart, shopper));
    for (const product of products.slice(0, count)) await invoke(h.setLine, apiEvent(routes.setCartLine, { ...shopper, path: { productId: product.id }, body: { quantity: 1 } }));
  };
  const withItems = { shippingAddress: address, items: products.slice(0, 3).map((p) => ({ productId: p.id, quantity: 1 })) };
  const placeWithItems = () => invoke(h.place, apiEvent(routes.placeOrder, { ...shopper, body: withItems }));

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
  let key = 0;
  const placeKeyed = (idempotencyKey: string) => () =>
    invoke(h.place, apiEvent(routes.placeOrder, { ...shopper, body: withItems, headers: { 'idempotency-key': idempotencyKey } }));
  await measure('POST /orders with items + Idempotency-Key', 3, () => placeKeyed(`calls-${key++}`)(), 201);
  await measure('POST /orders replay (same key and body)', 3, placeKeyed('calls-0'), 201);
  await measure('GET /orders (customer, limit 20)', 2, () => invoke(h.list, apiEvent(routes.listOrders, { ...shopper, query: { limit: '20' } })), 200);
  await measure('GET /orders (admin, all, limit 20)', 2, () => invoke(h.list, apiEvent(routes.listOrders, { ...admin, query: { limit: '20' } })), 200);
  const detailed = (await placeWithItems()).body as { id: string; total: number };
  await invoke(h.recordPayment, apiEvent(routes.recordPayment, { ...admin, path: { id: detailed.id }, body: { amount: detailed.total, method: 'cash' } }));
  const shipment = await invoke(h.createShipment, apiEvent(routes.createShipment, { ...admin, body: { orderId: detailed.id, carrier: 'Bench Post', trackingNumber: 'BENCH0001' } }));
  if (shipment.statusCode !== 201) throw new Error(`POST /shipments → ${shipment.statusCode} ${JSON.stringify(shipment.body)}`);
  await measure('GET /orders/{id} (1 payment, 1 shipment)', 2, () => invoke(h.get, apiEvent(routes.getOrder, { ...shopper, path: { id: detailed.id } })), 200);
  for (const id of ['listProducts', 'getProduct', 'getCart', 'listOrders', 'getOrder'] as const) measuredRoutes.add(id);

  // --- Every other GET route, on a few pages of data ------------------------------------------
  // Seed: images on a product, stock adjustments, users, contact messages, paid orders with
  // payments and shipments (one with many partial payments), the analytics counters.
  for (let i = 0; i < 3; i += 1) await appendProductImage(products[0]!.id, `https://images.example.com/products/${products[0]!.id}/${i}.jpg`);
  for (let i = 0; i < 45; i += 1) await adjustStock({ productId: products[1]!.id, delta: i % 2 === 0 ? 5 : -3, reason: `Bench adjustment ${i}`, by: adminUser.id });
  for (let i = 0; i < 50; i += 1) await createUser({ email: `calls-user-${i}@example.com`, name: `Calls User ${i}`, passwordHash: 'unused', role: 'customer' });
  for (let i = 0; i < 45; i += 1) await createContactMessage({ name: `Visitor ${i}`, email: `visitor-${i}@example.com`, message: `Question number ${i} about an order` });
  const paidOrders: { id: string; total: number }[] = [];
  for (let i = 0; i < 30; i += 1) {
    const order = (await placeWithItems()).body as { id: string; total: number };
    const paid = await invoke(h.recordPayment, apiEvent(routes.recordPayment, { ...admin, path: { id: order.id }, body: { amount: order.total, method: 'card' } }));
    if (paid.statusCode !== 201) throw new Error(`POST /orders/{id}/payments → ${paid.statusCode} ${JSON.stringify(paid.body)}`);
    const shipped = await invoke(h.createShipment, apiEvent(routes.createShipment, { ...admin, body: { orderId: order.id, carrier: 'Bench Post', trackingNumber: `BENCH1${String(i).padStart(3, '0')}` } }));
    if (shipped.statusCode !== 201) throw new Error(`POST /shipments → ${shipped.statusCode} ${JSON.stringify(shipped.body)}`);
    paidOrders.push(order);
  }
  const instalments = (await placeWithItems()).body as { id: string; total: number };
  for (let i = 0; i < 25; i += 1) {
    const paid = await invoke(h.recordPayment, apiEvent(routes.recordPayment, { ...admin, path: { id: instalments.id }, body: { amount: 1, method: 'cash' } }));
    if (paid.statusCode !== 201) throw new Error(`POST /orders/{id}/payments → ${paid.statusCode} ${JSON.stringify(paid.body)}`);
  }
  // The counters the table's stream feeds on AWS: each order as it became paid (the top products).
  const orderItems = await Promise.all(paidOrders.map(async (order) => (await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: `ORDER#${order.id}`, sk: 'ORDER' } }))).Item!));
  await applyCounterChanges(orderItems.map((item, i) => ({ id: `bench-change-${i}`, keys: { pk: item.pk, sk: item.sk }, before: undefined, after: { ...item, status: 'paid' } })));

  const firstCursor = async (id: RouteId, options: Parameters<typeof apiEvent>[1]) => {
    const response = await read(id, options);
    const cursor = (response.body as { nextCursor?: string | null }).nextCursor;
    if (response.statusCode !== 200 || !cursor) throw new Error(`${id}: no second page (${response.statusCode} ${JSON.stringify(response.body)})`);
    return cursor;
  };
  const get = (id: RouteId, label: string, target: number, options: Parameters<typeof apiEvent>[1] = {}, expected = 200) => {
    measuredRoutes.add(id);
    return measure(label, target, () => read(id, options), expected);
  };

  await get('health', 'GET /health', 1);
  await get('openApi', 'GET /openapi.json', 1);
  await get('docs', 'GET /docs', 1);
  await get('docsAsset', 'GET /docs/{asset}', 1, { path: { asset: EXPLORER_ASSET }, headers: { 'accept-encoding': 'gzip' } });
  await get('getMe', 'GET /me', 2, shopper);
  await get('listProducts', 'GET /products (customer token)', 2, shopper);
  await get('listProducts', 'GET /products (admin)', 2, admin);
  await get('getProduct', 'GET /products/{id} (3 images, customer token)', 2, { ...shopper, path: { id: products[0]!.id } });
  await get('getProduct', 'GET /products/{id} (3 images, admin)', 2, { ...admin, path: { id: products[0]!.id } });
  const adjustments = { ...admin, path: { id: products[1]!.id }, query: { limit: '20' } };
  await get('listStockAdjustments', 'GET /products/{id}/stock-adjustments (45, page 1)', 2, adjustments);
  const adjustmentsCursor = await firstCursor('listStockAdjustments', adjustments);
  await get('listStockAdjustments', 'GET /products/{id}/stock-adjustments (page 2)', 2, { ...adjustments, query: { limit: '20', cursor: adjustmentsCursor } });
  await get('listStockAdjustments', 'GET /products/{id}/stock-adjustments (none)', 2, { ...admin, path: { id: products[2]!.id } });
  await get('listStockAdjustments', 'GET /products/{id}/stock-adjustments (unknown: 404)', 2, { ...admin, path: { id: 'no-such-product' } }, 404);
  await get('listUsers', 'GET /users (admin, 52 users, page 1)', 2, { ...admin, query: { limit: '20' } });
  const usersCursor = await firstCursor('listUsers', { ...admin, query: { limit: '20' } });
  await get('listUsers', 'GET /users (page 2)', 2, { ...admin, query: { limit: '20', cursor: usersCursor } });
  await get('listUsers', 'GET /users?sort=email', 2, { ...admin, query: { limit: '20', sort: 'email' } });
  await get('listUsers', 'GET /users?search=', 2, { ...admin, query: { limit: '20', search: 'user 1' } });
  await get('listUsers', 'GET /users?email=', 2, { ...admin, query: { email: 'calls-user-7@example.com' } });
  await get('getUser', 'GET /users/{id}', 2, { ...admin, path: { id: user.id } });
  await get('listContactMessages', 'GET /contact (45 messages, page 1)', 2, { ...admin, query: { limit: '20' } });
  const contactCursor = await firstCursor('listContactMessages', { ...admin, query: { limit: '20' } });
  await get('listContactMessages', 'GET /contact (page 2)', 2, { ...admin, query: { limit: '20', cursor: contactCursor } });
  await get('listContactMessages', 'GET /contact?search=', 2, { ...admin, query: { limit: '20', search: 'number 1' } });
  await get('listOrders', 'GET /orders (admin, ?userId=)', 2, { ...admin, query: { limit: '20', userId: user.id } });
  await get('listOrders', 'GET /orders (admin, ?status=shipped)', 2, { ...admin, query: { limit: '20', status: 'shipped' } });
  await get('getOrder', 'GET /orders/{id} (admin)', 2, { ...admin, path: { id: detailed.id } });
  await get('exportOrders', 'GET /orders/export (admin, ~50 orders)', 2, admin);
  await get('listPayments', 'GET /payments (customer)', 2, { ...shopper, query: { limit: '20' } });
  await get('listPayments', 'GET /payments (admin, all)', 2, { ...admin, query: { limit: '20' } });
  await get('listPayments', 'GET /payments?orderId= (customer, 1 payment)', 2, { ...shopper, query: { limit: '20', orderId: detailed.id } });
  const byOrder = { ...shopper, query: { limit: '20', orderId: instalments.id } };
  await get('listPayments', 'GET /payments?orderId= (25 payments, page 1)', 2, byOrder);
  const paymentsCursor = await firstCursor('listPayments', byOrder);
  await get('listPayments', 'GET /payments?orderId= (page 2)', 2, { ...shopper, query: { ...byOrder.query, cursor: paymentsCursor } });
  await get('listPayments', 'GET /payments?orderId= (admin)', 2, { ...admin, query: { limit: '20', orderId: detailed.id } });
  await get('listShipments', 'GET /shipments (customer)', 2, { ...shopper, query: { limit: '20' } });
  await get('listShipments', 'GET /shipments (admin, all)', 2, { ...admin, query: { limit: '20' } });
  await get('listShipments', 'GET /shipments?orderId=', 2, { ...shopper, query: { limit: '20', orderId: detailed.id } });
  await get('listShipments', 'GET /shipments?trackingNumber=', 2, { ...shopper, query: { limit: '20', trackingNumber: 'BENCH0001' } });
  await get('getShipment', 'GET /shipments/{trackingNumber} (customer)', 2, { ...shopper, path: { trackingNumber: 'BENCH0001' } });
  await get('getShipment', 'GET /shipments/{trackingNumber} (admin)', 2, { ...admin, path: { trackingNumber: 'BENCH1000' } });
  await get('getAnalytics', 'GET /admin/analytics (30 days)', 2, admin);

  console.log('');
  console.log(`DynamoDB calls per request (${REPS} requests each, the most seen; authentication BatchGetItem included; SQS shown, not counted):`);
  table(['endpoint', 'calls', 'target', 'met', 'breakdown', 'p50 ms'], rows);
  console.log(`${met} of ${rows.length} targets met; read endpoints (GET): ${reads.met} of ${reads.total}. Informational only.`);
  const missing = routeList.filter((route) => route.method === 'GET' && !measuredRoutes.has(route.id)).map((route) => `${route.method} ${route.path}`);
  console.log(missing.length ? `GET routes NOT measured: ${missing.join(', ')}` : `Every GET route of the route table measured (${routeList.filter((route) => route.method === 'GET').length}).`);
}

await runBenchmark(main);
