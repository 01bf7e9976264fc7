/**
 * The stock invariant of DESIGN.md as a property, against DynamoDB Local:
 *
 *   for every product, after every step:
 *   initial + Σ adjustments = stock + Σ existing holds + Σ quantities of orders whose status owns stock
 *   and stock ≥ 0
 *
 * fast-check generates 20 scenarios of 2–3 products, 2–3 customers and 30 steps: hold (set a
 * cart line), release a line, order from the cart, direct order (both sometimes with an
 * Idempotency-Key from a small set: replays, concurrent replays, reuse with another body),
 * cancel (customer or admin), payment (→ paid) and payment failure (→ failed), advancing a
 * fake clock and releasing the holds that expired, rolling back stale pending and failed
 * orders, restock and admin shrinkage, and bursts of 2–4 of those run in parallel. Steps that fail (409, 400, 503...)
 * are fine; anything that is not an AppError fails the property. The right-hand side is read
 * from the table: the customers' cart items (counted by existence, not expiry: an expired hold
 * owns its stock until released), the orders created (`findOrder`, `ownsStock(status)`), and
 * the product's stock, all with consistent reads. Also checked: each cart's line counter equals
 * its number of holds, and an order's `stockOwned` flag agrees with its status.
 *
 * Reproduce a failure with the printed seed: INVARIANT_SEED=<seed> npm run test:integration -- stock-invariant
 * (INVARIANT_RUNS and INVARIANT_STEPS change the size).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cartHeaderKey } from '../../shared/carts/cart-keys.js';
import { db, tableName } from '../../shared/clients/dynamodb.js';
import { AppError } from '../../shared/errors.js';
import { ownsStock, type Actor, type OrderStatus } from '../../shared/orders/order-status.js';
import { productKey } from '../../shared/products/product-keys.js';

const RUNS = Number(process.env.INVARIANT_RUNS ?? 20);
const STEPS = Number(process.env.INVARIANT_STEPS ?? 30);
const SEED = process.env.INVARIANT_SEED ? Number(process.env.INVARIANT_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
const PAYMENT_WINDOW_MS = 15 * 60_000;
const tag = `inv${randomUUID().slice(0, 6)}`;
const address = { line1: '1 Invariant Way', city: 'Testville', postalCode: '00000', country: 'US' };

let m: {
  createProduct: typeof import('../../shared/products/product-repository.js').createProduct;
  adjustStock: typeof import('../../shared/products/product-repository.js').adjustStock;
  setCartLine: typeof import('../../shared/carts/cart-repository.js').setCartLine;
  removeCartLine: typeof import('../../shared/carts/cart-repository.js').removeCartLine;
  cartHolds: typeof import('../../shared/carts/cart-repository.js').cartHolds;
  placeOrder: typeof import('../../shared/orders/order-repository.js').placeOrder;
  changeOrderStatus: typeof import('../../shared/orders/order-repository.js').changeOrderStatus;
  findOrder: typeof import('../../shared/orders/order-repository.js').findOrder;
  listOrders: typeof import('../../shared/orders/order-repository.js').listOrders;
};

beforeAll(async () => {
  const products = await import('../../shared/products/product-repository.js');
  const carts = await import('../../shared/carts/cart-repository.js');
  const orders = await import('../../shared/orders/order-repository.js');
  m = {
    createProduct: products.createProduct,
    adjustStock: products.adjustStock,
    setCartLine: carts.setCartLine,
    removeCartLine: carts.removeCartLine,
    cartHolds: carts.cartHolds,
    placeOrder: orders.placeOrder,
    changeOrderStatus: orders.changeOrderStatus,
    findOrder: orders.findOrder,
    listOrders: orders.listOrders,
  };
});

afterEach(() => vi.useRealTimers());

// ---------------------------------------------------------------------------------------------
// Steps

type Step =
  | { kind: 'hold'; user: number; product: number; quantity: number }
  | { kind: 'release'; user: number; product: number }
  | { kind: 'orderFromCart'; user: number; key: string | null }
  | { kind: 'directOrder'; user: number; lines: { product: number; quantity: number }[]; key: string | null }
  | { kind: 'cancel'; order: number; byAdmin: boolean }
  | { kind: 'pay'; order: number }
  | { kind: 'paymentFails'; order: number }
  | { kind: 'expireAndRelease'; minutes: number }
  | { kind: 'rollback' }
  | { kind: 'restock'; product: number; amount: number }
  | { kind: 'shrinkage'; product: number; amount: number };
type Move = Step | { kind: 'parallel'; steps: Step[] };

const who = fc.nat({ max: 2 });
const which = fc.nat({ max: 2 });
/** Sometimes an Idempotency-Key from a small set, so replays (also concurrent ones) and reuse with another body happen. */
const key = fc.option(fc.constantFrom('key-a', 'key-b', 'key-c'), { freq: 3 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('hold' as const), user: who, product: which, quantity: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), user: who, product: which }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('orderFromCart' as const), user: who, key }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('directOrder' as const),
      user: who,
      lines: fc.array(fc.record({ product: which, quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }),
      key,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(), byAdmin: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pay' as const), order: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('paymentFails' as const), order: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expireAndRelease' as const), minutes: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rollback' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restock' as const), product: which, amount: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('shrinkage' as const), product: which, amount: fc.integer({ min: 1, max: 5 }) }) },
);
const moveArb: fc.Arbitrary<Move> = fc.oneof(
  { weight: 8, arbitrary: stepArb },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('parallel' as const), steps: fc.array(stepArb, { minLength: 2, maxLength: 4 }) }) },
  // The same keyed order sent 2–4 times at once (a client retrying while the first is in flight).
  {
    weight: 1,
    arbitrary: fc
      .tuple(stepArb.filter((s): s is Extract<Step, { kind: 'directOrder' | 'orderFromCart' }> => s.kind === 'directOrder' || s.kind === 'orderFromCart'), fc.constantFrom('key-a', 'key-b', 'key-c'), fc.integer({ min: 2, max: 4 }))
      .map(([step, key, copies]): Move => ({ kind: 'parallel', steps: Array.from({ length: copies }, () => ({ ...step, key })) })),
  },
);
const scenarioArb = fc.record({
  userCount: fc.integer({ min: 2, max: 3 }),
  initialStocks: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 2, maxLength: 3 }),
  moves: fc.array(moveArb, { minLength: STEPS, maxLength: STEPS }),
});

// ---------------------------------------------------------------------------------------------
// One scenario

interface World {
  products: { id: string; initial: number; adjustments: number }[];
  users: string[];
  orderIds: string[];
  replayedIds: string[];
  keyedOrders: Map<string, { id: string; at: number }>;
  /** Idempotency keys are per customer; the prefix keeps shrunk re-runs apart. */
  keyPrefix: string;
  outcomes: Map<string, number>;
}

const pick = <T>(list: readonly T[], index: number): T | undefined => (list.length ? list[index % list.length] : undefined);

async function moveOrder(world: World, index: number, to: OrderStatus, actor: Actor) {
  const id = pick(world.orderIds, index);
  if (!id) return;
  const order = await m.findOrder(id);
  await m.changeOrderStatus({ orderId: id, to, actor, by: actor === 'customer' ? order!.userId : actor });
}

async function run(world: World, step: Step): Promise<void> {
  const product = (i: number) => world.products[i % world.products.length]!;
  const user = (i: number) => world.users[i % world.users.length]!;
  switch (step.kind) {
    case 'hold':
      return m.setCartLine(user(step.user), product(step.product).id, step.quantity);
    case 'release':
      await m.removeCartLine(user(step.user), product(step.product).id);
      return;
    case 'orderFromCart':
    case 'directOrder': {
      const items = step.kind === 'directOrder' ? step.lines.map((l) => ({ productId: product(l.product).id, quantity: l.quantity })) : undefined;
      const { order, replayed } = await m.placeOrder({
        userId: user(step.user),
        input: { shippingAddress: address, ...(items ? { items } : {}) },
        ...(step.key ? { idempotencyKey: `${world.keyPrefix}-${step.key}` } : {}),
      });
      // A replay must name an order answered as new (checked after the move: its twin may still
      // be on its way back); no order may be answered as new twice.
      if (replayed) world.replayedIds.push(order.id);
      else if (world.orderIds.includes(order.id)) throw new Error(`order ${order.id} answered as new twice`);
      else world.orderIds.push(order.id);
      // One key (per customer) places one order: a second new order for it is a double charge.
      if (step.key && !replayed) {
        const keyed = `${user(step.user)}/${step.key}`;
        const first = world.keyedOrders.get(keyed);
        // (Keys expire after 24 hours: then a new order is right. Scenarios rarely get that far.)
        if (first && Date.now() - first.at < 24 * 3600_000) throw new Error(`key ${step.key} of customer ${step.user} placed a second order ${order.id} (first ${first.id})`);
        world.keyedOrders.set(keyed, { id: order.id, at: Date.parse(order.createdAt) });
      }
      return;
    }
    case 'cancel':
      return moveOrder(world, step.order, 'cancelled', step.byAdmin ? 'admin' : 'customer');
    case 'pay':
      return moveOrder(world, step.order, 'paid', 'payment');
    case 'paymentFails':
      return moveOrder(world, step.order, 'failed', 'payment');
    case 'expireAndRelease': {
      vi.setSystemTime(Date.now() + step.minutes * 60_000);
      const now = Date.now();
      // What the release schedule does: every hold whose time has passed, by existence.
      const holds = (await Promise.all(world.users.map((u) => m.cartHolds(u)))).flat().filter((h) => h.expiresAt <= now);
      await Promise.all(holds.map((h) => m.removeCartLine(h.userId, h.productId, { expiredBefore: now })));
      return;
    }
    case 'rollback': {
      // What the rollback schedule does: stale pending → pending_stock_rolledback, failed → failed_stock_rolledback.
      const staleBefore = new Date(Date.now() - PAYMENT_WINDOW_MS).toISOString();
      const orders = (await Promise.all(world.orderIds.map((id) => m.findOrder(id)))).filter((o) => o !== undefined);
      const outcomes = await Promise.allSettled(
        orders.flatMap((o) => {
          if (o.status === 'pending' && o.createdAt < staleBefore) return [m.changeOrderStatus({ orderId: o.id, to: 'pending_stock_rolledback', actor: 'scheduler', by: 'scheduler' })];
          if (o.status === 'failed') return [m.changeOrderStatus({ orderId: o.id, to: 'failed_stock_rolledback', actor: 'scheduler', by: 'scheduler' })];
          return [];
        }),
      );
      for (const outcome of outcomes) if (outcome.status === 'rejected') expectExpectedFailure(outcome.reason);
      return;
    }
    case 'restock':
    case 'shrinkage': {
      const target = product(step.product);
      const delta = step.kind === 'restock' ? step.amount : -step.amount;
      await m.adjustStock({ productId: target.id, delta, reason: step.kind, by: 'invariant-admin' });
      // Counted only once the conditional ADD succeeded (a refused decrease moves nothing).
      target.adjustments += delta;
      return;
    }
  }
}

/** Business refusals are fine; anything else (a 500 in the API) fails the property. */
function expectExpectedFailure(error: unknown) {
  if (!(error instanceof AppError) || ![400, 404, 409, 422, 503].includes(error.status)) throw error;
}

async function attempt(world: World, step: Step) {
  try {
    await run(world, step);
    world.outcomes.set(`${step.kind} ok`, (world.outcomes.get(`${step.kind} ok`) ?? 0) + 1);
  } catch (error) {
    expectExpectedFailure(error);
    const label = `${step.kind} ${(error as AppError).status}`;
    world.outcomes.set(label, (world.outcomes.get(label) ?? 0) + 1);
  }
}

const consistentGet = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

async function checkInvariant(world: World, after: string) {
  const [products, holdsByUser, headers, orders] = await Promise.all([
    Promise.all(world.products.map((p) => consistentGet(productKey(p.id)))),
    Promise.all(world.users.map((u) => m.cartHolds(u))),
    Promise.all(world.users.map((u) => consistentGet(cartHeaderKey(u)))),
    Promise.all(world.orderIds.map((id) => m.findOrder(id))),
  ]);
  const holds = holdsByUser.flat();
  for (const [i, product] of world.products.entries()) {
    const stock = products[i]!.stock as number;
    const held = holds.filter((h) => h.productId === product.id).reduce((n, h) => n + h.quantity, 0);
    const owned = orders
      .filter((o) => o !== undefined && ownsStock(o.status))
      .flatMap((o) => o!.items)
      .filter((line) => line.productId === product.id)
      .reduce((n, line) => n + line.quantity, 0);
    const context = `after ${after}: product ${i} (initial ${product.initial}, adjustments ${product.adjustments}) stock ${stock}, held ${held}, in orders ${owned}`;
    expect(stock, context).toBeGreaterThanOrEqual(0);
    expect(stock + held + owned, context).toBe(product.initial + product.adjustments);
  }
  for (const [i, user] of world.users.entries()) {
    expect((headers[i]?.lines as number | undefined) ?? 0, `after ${after}: cart line counter of user ${i}`).toBe(holdsByUser[i]!.length);
    expect(holdsByUser[i]!.every((h) => h.userId === user && h.quantity >= 1 && h.quantity <= 100)).toBe(true);
  }
  for (const id of world.replayedIds) expect(world.orderIds, `after ${after}: a replay answered with an order placed before`).toContain(id);
  for (const order of orders) {
    expect(order, `after ${after}: an order placed is readable`).toBeDefined();
    expect(order!.stockOwned, `after ${after}: order ${order!.id} is ${order!.status}`).toBe(ownsStock(order!.status));
  }
}

const describeStep = (move: Move) => (move.kind === 'parallel' ? `parallel[${move.steps.map((s) => s.kind).join(', ')}]` : move.kind);

// ---------------------------------------------------------------------------------------------

describe('stock invariant (property)', () => {
  it(`holds after every step of ${RUNS} random scenarios × ${STEPS} steps`, async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const totals = new Map<string, number>();
    let scenarioNumber = 0;
    const property = fc.asyncProperty(scenarioArb, async ({ userCount, initialStocks, moves }) => {
      scenarioNumber += 1;
      // Each scenario starts at the real time (the clock only moves forward within it) with
      // its own products and customers, so scenarios (and shrinking) never see each other.
      vi.setSystemTime(new Date());
      const products = await Promise.all(
        initialStocks.map((stock, i) =>
          m.createProduct({ name: `Invariant ${tag} ${scenarioNumber}-${i}`, description: '', price: 100 * (i + 1), currency: 'usd', stock, lowStockThreshold: 0 }),
        ),
      );
      const world: World = {
        products: products.map((p) => ({ id: p.id, initial: p.stock, adjustments: 0 })),
        users: Array.from({ length: userCount }, (_, i) => `${tag}-${scenarioNumber}-u${i}-${randomUUID().slice(0, 4)}`),
        orderIds: [],
        replayedIds: [],
        keyedOrders: new Map(),
        keyPrefix: randomUUID().slice(0, 8),
        outcomes: new Map(),
      };
      await checkInvariant(world, 'setup');
      for (const [index, move] of moves.entries()) {
        if (move.kind === 'parallel') await Promise.all(move.steps.map((step) => attempt(world, step)));
        else await attempt(world, move);
        await checkInvariant(world, `step ${index + 1} (${describeStep(move)})`);
      }
      // Every order of these customers was seen (none placed behind the test's back).
      const listed = await Promise.all(world.users.map((userId) => m.listOrders({ userId, limit: 100 })));
      expect(listed.flatMap((page) => page.items.map((o) => o.id)).sort()).toEqual([...world.orderIds].sort());
      for (const [label, n] of world.outcomes) totals.set(label, (totals.get(label) ?? 0) + n);
      totals.set('(of which replays)', (totals.get('(of which replays)') ?? 0) + world.replayedIds.length);
    });
    const startedAt = performance.now();
    try {
      await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
    } catch (error) {
      console.error(`stock invariant failed; reproduce with INVARIANT_SEED=${SEED}`);
      throw error;
    }
    const summary = [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label}: ${n}`).join(', ');
    console.log(`[stock-invariant] seed ${SEED}, ${RUNS} runs × ${STEPS} steps in ${((performance.now() - startedAt) / 1000).toFixed(1)} s — ${summary}`);
    // The scenarios must actually exercise the interesting paths, not just fail early.
    for (const label of ['hold ok', 'orderFromCart ok', 'directOrder ok', 'cancel ok', 'expireAndRelease ok', 'restock ok']) {
      expect(totals.get(label) ?? 0, label).toBeGreaterThan(0);
    }
  }, 180_000);
});
