/**
 * Issue 11 item 8: requests built from /openapi.json, for every route: random and boundary
 * values for every path, query and body field (valid ones too, so handlers run past
 * validation), with an admin, a customer or no token. Asserts no 5xx, the error envelope on
 * every 4xx, and no storage keys (`pk`, `sk`, `gsi*`, `ttl`) in any JSON answer (item 12).
 *
 * Seeded: the seed is printed; `FUZZ_SEED=<n> npx vitest run --project e2e test/e2e/fuzz.test.ts`
 * replays a run. `FUZZ_PER_ROUTE` (default 24) sets the requests per operation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/support.js';
import { adminToken, api, registerUser, storageKeys, target } from './client.js';

type Schema = Record<string, any>;
type Operation = { method: string; path: string; op: Schema };

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 24);
const CONCURRENCY = 8;

// mulberry32 (bench/support.ts): small, seedable, good enough to pick test inputs.
const random = mulberry32(seed);
const chance = (p: number) => random() < p;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

const NASTY_STRINGS = [
  '', ' ', 'a', 'x'.repeat(300), 'y'.repeat(5001), '\u0000', 'a\nb', '\uD800', '\uDFFFx', '💥🧨', 'e\u0301', '\u202Eevil',
  '../../etc/passwd', '%', '%00', "' OR 1=1 --", '<script>alert(1)</script>', '{"$ne":null}', '${7*7}', '=cmd|"/c calc"!A1',
  '2025-02-30', '2025-01-01', '2024-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '-1', '0', '1e309', 'NaN', 'true', 'null',
  '__proto__', 'constructor', 'admin', 'USER#1', 'PRODUCT#x', 'ORDER#', 'A1B2C3D4E5', 'not-an-id',
];
const NASTY_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, [], [1, 2], {}, { a: 1 }, 'string'];

let components: Record<string, Schema> = {};
const resolve = (schema: Schema | undefined): Schema => {
  if (!schema) return {};
  if (typeof schema.$ref === 'string') return resolve(components[schema.$ref.split('/').pop()!]);
  return schema;
};

/** A value for `schema`: mostly valid, sometimes at or just past a boundary, sometimes anything. */
function valueFor(raw: Schema | undefined, depth = 0, known: Record<string, string[]> = {}, name = ''): unknown {
  const schema = resolve(raw);
  if (chance(0.12)) return chance(0.5) ? pick(NASTY_VALUES) : pick(NASTY_STRINGS);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return valueFor(pick(variants), depth, known, name);
  if (schema.enum) return chance(0.9) ? pick(schema.enum) : `${pick(schema.enum)}x`;
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? pick(schema.type.filter((t: string) => t !== 'null')) : schema.type;
  switch (type) {
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 100_000);
      const n = pick([min, max, min - 1, max + 1, int(Math.max(min, -1000), Math.min(max, 1000)), int(Math.max(min, 0), Math.min(max, 5))]);
      return type === 'number' && chance(0.2) ? n + 0.5 : n;
    }
    case 'boolean':
      return chance(0.5);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? 4, 4);
      const length = chance(0.1) ? (schema.maxItems ?? 4) + 1 : int(min, Math.max(min, max));
      return Array.from({ length: Math.min(length, 120) }, () => valueFor(schema.items, depth + 1, known, name));
    }
    case 'object': {
      if (depth > 4) return {};
      const out: Record<string, unknown> = {};
      const required = new Set<string>(schema.required ?? []);
      for (const [key, sub] of Object.entries<Schema>(schema.properties ?? {})) {
        if (required.has(key) ? chance(0.95) : chance(0.6)) out[key] = valueFor(sub, depth + 1, known, key);
      }
      if (chance(0.05)) out[pick(['role', 'pk', 'stock', 'price', 'userId', '__proto__'])] = pick(NASTY_VALUES);
      return out;
    }
    default:
      return stringFor(schema, known, name);
  }
}

function stringFor(schema: Schema, known: Record<string, string[]>, name: string): string {
  const ids = known[name];
  if (ids?.length && chance(0.5)) return pick(ids);
  if (chance(0.25)) return pick(NASTY_STRINGS);
  switch (schema.format) {
    case 'email':
      return chance(0.8) ? `fuzz-${int(0, 1e9)}@example.com` : pick(['no-at-sign', '@example.com', 'a@b', 'A@EXAMPLE.COM ']);
    case 'date':
      return pick(['2025-01-01', '2024-02-29', '2025-12-31', '1970-01-01', '2025-13-01']);
    case 'date-time':
      return pick(['2025-01-01T00:00:00Z', '2025-06-30T23:59:59.999+02:00', '2025-01-01T25:00:00Z', '0001-01-01T00:00:00Z']);
    case 'uri':
      return pick(['https://example.com/x', 'not a url']);
  }
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 40, 200);
  const length = pick([min, max, Math.max(0, min - 1), max + 1, int(min, max)]);
  const alphabet = schema.pattern && /A-Z|0-9|a-z/.test(schema.pattern) ? 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789abcdef' : 'abcdefghij klmnopqrstuvwxyzé日本-_.';
  return Array.from({ length }, () => alphabet[int(0, alphabet.length - 1)]).join('');
}

let operations: Operation[] = [];
let admin: string;
let customer: string;
const known: Record<string, string[]> = {};

beforeAll(async () => {
  console.log(`[fuzz] seed ${seed} (replay: FUZZ_SEED=${seed}), ${PER_ROUTE} requests per operation, against ${target.apiUrl}`);
  const doc = (await api('GET', '/openapi.json')).body;
  components = doc.components?.schemas ?? {};
  operations = Object.entries<Record<string, Schema>>(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
  admin = await adminToken();
  customer = (await registerUser('fuzz')).accessToken;
  // Real ids, so some requests get past "not found" into the handlers' logic.
  const product = await api('POST', '/products', { token: admin, body: { name: 'Fuzz mug', price: 1200, stock: 1000, category: 'fuzz' } });
  const order = await api('POST', '/orders', { token: customer, body: { shippingAddress: { line1: '1 Fuzz St', city: 'Paris', postalCode: '75001', country: 'FR' }, items: [{ productId: product.body.id, quantity: 1 }] } });
  const me = await api('GET', '/me', { token: customer });
  // Not the customer's own id as `{id}`: disabling or deleting it would end the fuzzer's customer session.
  known.id = [product.body.id, order.body.id].filter(Boolean);
  known.productId = [product.body.id];
  known.orderId = [order.body.id].filter(Boolean);
  known.userId = [me.body.id];
});

interface Outcome {
  readonly request: string;
  readonly status: number;
  readonly problem?: string;
}

interface Planned {
  readonly method: string;
  readonly url: string;
  readonly options: NonNullable<Parameters<typeof api>[2]>;
  readonly request: string;
}

/** A lone surrogate can't be percent-encoded as UTF-8: send its (invalid) CESU-8 bytes instead. */
function encodePathSegment(value: string): string {
  try {
    return encodeURIComponent(value) || 'x';
  } catch {
    return '%ED%A0%80';
  }
}

/** All random choices of one request, made up front so a seed replays the same requests whatever the timing. */
function plan(operation: Operation): Planned {
  const { method, op } = operation;
  const parameters: Schema[] = op.parameters ?? [];
  let path = operation.path;
  for (const parameter of parameters.filter((p) => p.in === 'path')) {
    const value = String(valueFor(parameter.schema, 0, known, parameter.name));
    path = path.replace(`{${parameter.name}}`, chance(0.05) ? pick(['%E0%A4%A', '%', '%ZZ', '%ED%A0%80']) : encodePathSegment(value));
  }
  const query = new URLSearchParams();
  for (const parameter of parameters.filter((p) => p.in === 'query')) {
    if (chance(0.5)) continue;
    const value = valueFor(parameter.schema, 0, known, parameter.name);
    query.append(parameter.name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  if (chance(0.05)) query.append(pick(['unknown', 'limit', '__proto__']), pick(NASTY_STRINGS));
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const public_ = Array.isArray(op.security) && op.security.length === 0;
  // A valid token on logout would end the fuzzer's own session.
  const token = operation.path === '/auth/logout' ? pick([undefined, 'garbage']) : public_ ? pick([undefined, undefined, customer]) : pick([admin, admin, admin, customer, undefined]);
  const options: Parameters<typeof api>[2] = token ? { token } : {};
  if (bodySchema || (method !== 'GET' && chance(0.05))) {
    if (chance(0.04)) options.rawBody = pick(['{', '[]', 'null', '"x"', '{"a":', 'x'.repeat(70_000)]);
    else options.body = chance(0.05) ? pick(NASTY_VALUES) : valueFor(bodySchema ?? {}, 0, known);
  }
  // Header values are bytes on the wire: printable ASCII only.
  if (chance(0.1)) options.headers = { 'idempotency-key': pick(NASTY_STRINGS.filter((v) => /^[\x21-\x7e][\x20-\x7e]*$/.test(v))).slice(0, 300) };
  const url = `${path}${query.size > 0 ? `?${query}` : ''}`;
  const request = `${method} ${url} ${options.rawBody !== undefined ? `raw:${options.rawBody.slice(0, 40)}` : JSON.stringify(options.body ?? null).slice(0, 300)}`;
  return { method, url, options, request };
}

async function fire({ method, url, options, request }: Planned): Promise<Outcome> {
  const response = await api(method, url, options);
  const problems: string[] = [];
  const paymentsOff = response.status === 503 && response.body?.error?.code === 'PAYMENTS_NOT_CONFIGURED';
  if (response.status >= 500 && !paymentsOff) problems.push(`${response.status}: ${response.text.slice(0, 300)}`);
  if (response.status >= 400) {
    const error = response.body?.error;
    if (!error || typeof error.code !== 'string' || typeof error.message !== 'string' || typeof error.details !== 'object' || typeof error.requestId !== 'string') {
      problems.push(`${response.status} without the error envelope: ${response.text.slice(0, 200)}`);
    }
  }
  const leaked = response.body === undefined ? [] : storageKeys(response.body);
  if (leaked.length > 0) problems.push(`storage keys in the answer: ${leaked.slice(0, 5).join(', ')}`);
  return { request, status: response.status, ...(problems.length ? { problem: problems.join('; ') } : {}) };
}

describe('fuzz from /openapi.json', () => {
  it('every route, random and boundary values: no 5xx, the envelope on every 4xx, no storage keys', { timeout: 120_000 }, async () => {
    expect(operations.length).toBeGreaterThan(40);
    const queue = operations.flatMap((operation) => Array.from({ length: PER_ROUTE }, () => plan(operation)));
    const outcomes: Outcome[] = [];
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) outcomes.push(await fire(next));
    });
    const started = Date.now();
    await Promise.all(workers);
    const byStatus = outcomes.reduce<Record<number, number>>((counts, o) => ({ ...counts, [o.status]: (counts[o.status] ?? 0) + 1 }), {});
    console.log(`[fuzz] seed ${seed}: ${outcomes.length} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(byStatus)}`);
    const problems = outcomes.filter((o) => o.problem);
    for (const p of problems.slice(0, 20)) console.log(`[fuzz] seed ${seed}: ${p.request}\n  → ${p.problem}`);
    expect(outcomes.length).toBeGreaterThanOrEqual(1000);
    expect(problems.map((p) => `${p.request} → ${p.problem}`)).toEqual([]);
  });
});
