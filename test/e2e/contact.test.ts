/**
 * "Contact messages" of API.md over HTTP.
 *
 * POST /contact is limited to 5 per minute per source IP, and every e2e request comes from
 * one IP (127.0.0.1 against the local stack). So this is the only e2e file that posts to
 * /contact, its tests run in order, and it keeps count of the attempts it made in each
 * minute window; the 429 test spends what is left. Requests refused by validation (400/413)
 * never reach the limiter, which the exact count in the 429 test also proves.
 * Against a shared deployment (API_URL), other clients behind the same IP, or a rerun within
 * the same minute, may already have used the budget: the early POSTs then fail with 429.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, expectError, registerUser, type ApiResponse } from './client.js';

const WINDOW_MS = 60_000;
const LIMIT = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const windowStartOf = (t: number) => Math.floor(t / WINDOW_MS) * WINDOW_MS;

/** When each counted attempt (201 or 429) was sent. */
const attempts: number[] = [];

async function post(body: unknown): Promise<ApiResponse> {
  const sentAt = Date.now();
  const response = await api('POST', '/contact', { body });
  if (response.status === 201 || response.status === 429) attempts.push(sentAt);
  return response;
}

async function created(body: Record<string, unknown>): Promise<{ id: string; createdAt: string }> {
  const response = await post(body);
  if (response.status !== 201) throw new Error(`POST /contact: ${response.status} ${response.text}`);
  return response.body;
}

let admin: string;
let customer: string;
const tag = letters(12);
const phoneDigits = String(Math.floor(100_000_000 + Math.random() * 899_999_999));

beforeAll(async () => {
  admin = await adminToken();
  customer = (await registerUser('contact-customer')).accessToken;
});

const list = (query: string, token = admin) => api('GET', `/contact${query}`, { token });

describe('POST /contact (public)', () => {
  it('201 with the stored message: trimmed, email lower-cased; phone only when given', async () => {
    const response = await post({
      name: `  Ann ${tag} `,
      email: ' Ann@Example.COM ',
      phone: ` +1 (${phoneDigits.slice(0, 3)}) ${phoneDigits.slice(3)} `,
      message: '  Where is my order?\nThanks  ',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      id: expect.any(String),
      name: `Ann ${tag}`,
      email: 'ann@example.com',
      phone: `+1 (${phoneDigits.slice(0, 3)}) ${phoneDigits.slice(3)}`,
      message: 'Where is my order?\nThanks',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(response.headers.get('x-request-id')).toBeTruthy();

    const minimal = await post({ name: 'Bo', email: `bo-${tag}@example.com`, message: 'Hello' });
    expect(minimal.status).toBe(201);
    expect(Object.keys(minimal.body).sort()).toEqual(['createdAt', 'email', 'id', 'message', 'name']);
  });

  it('400 VALIDATION_ERROR for each field and for unknown fields', async () => {
    const valid = { name: 'Ann', email: 'ann@example.com', message: 'Hi' };
    const fieldsOf = async (body: unknown) => {
      const error = expectError(await post(body), 400, 'VALIDATION_ERROR');
      return (error.details.fields as { field: string }[]).map((f) => f.field).sort();
    };
    expect(await fieldsOf({})).toEqual(['body.email', 'body.message', 'body.name']);
    expect(await fieldsOf({ ...valid, name: '   ' })).toEqual(['body.name']);
    expect(await fieldsOf({ ...valid, name: 'x'.repeat(101) })).toEqual(['body.name']);
    expect(await fieldsOf({ ...valid, email: 'not-an-email' })).toEqual(['body.email']);
    expect(await fieldsOf({ ...valid, email: `${'a'.repeat(250)}@example.com` })).toEqual(['body.email']);
    expect(await fieldsOf({ ...valid, phone: 'call me maybe' })).toEqual(['body.phone']);
    expect(await fieldsOf({ ...valid, phone: '1'.repeat(33) })).toEqual(['body.phone']);
    expect(await fieldsOf({ ...valid, message: '' })).toEqual(['body.message']);
    expect(await fieldsOf({ ...valid, message: 'x'.repeat(5001) })).toEqual(['body.message']);
    expect(await fieldsOf({ ...valid, id: 'mine', status: 'read' })).toEqual(['body.id', 'body.status']);
    expect(await fieldsOf([valid])).toEqual(['body']);
  });

  it('400 BAD_REQUEST for malformed JSON; 413 PAYLOAD_TOO_LARGE over 64 KiB', async () => {
    expectError(await api('POST', '/contact', { rawBody: '{"name":' }), 400, 'BAD_REQUEST');
    expectError(await api('POST', '/contact', { body: { name: 'Ann', email: 'ann@example.com', message: 'x'.repeat(70_000) } }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('GET /contact (admin)', () => {
  it('401 anonymous, 403 customer', async () => {
    expectError(await api('GET', '/contact'), 401, 'UNAUTHORIZED');
    expectError(await list('', customer), 403, 'FORBIDDEN');
  });

  it('searches name, email, phone and message case-insensitively, newest first, with cursor pagination', async () => {
    // The first test stored `Ann <tag>` (name) and `bo-<tag>@…` (email); one more in the message.
    await created({ name: 'Cy', email: 'cy@example.com', message: `About ${tag.toUpperCase()}: the lid is cracked` });

    const first = await list(`?search=${tag.toUpperCase()}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(`?search=${tag}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.status).toBe(200);
    const items = [...first.body.items, ...second.body.items] as { name: string; email: string; message: string; createdAt: string }[];
    expect(second.body.nextCursor).toBeNull();
    expect(items.map((m) => m.name)).toEqual(['Cy', 'Bo', `Ann ${tag}`]);
    expect(items.map((m) => m.createdAt)).toEqual(items.map((m) => m.createdAt).sort().reverse());

    const byPhone = await list(`?search=${phoneDigits}`);
    expect(byPhone.body.items.map((m: { name: string }) => m.name)).toEqual([`Ann ${tag}`]);
    const byEmail = await list(`?search=${encodeURIComponent(`BO-${tag}@`)}`);
    expect(byEmail.body.items.map((m: { name: string }) => m.name)).toEqual(['Bo']);
    expect((await list(`?search=${tag}zz`)).body).toEqual({ items: [], nextCursor: null });

    const unfiltered = await list('?limit=1');
    expect(unfiltered.body.items).toHaveLength(1);
    expect(unfiltered.body.nextCursor).toEqual(expect.any(String));
  });

  it('400 for a bad limit, an unknown parameter, a tampered cursor or one from another search', async () => {
    expectError(await list('?limit=0'), 400, 'VALIDATION_ERROR');
    expectError(await list('?limit=101'), 400, 'VALIDATION_ERROR');
    expectError(await list('?sort=name'), 400, 'VALIDATION_ERROR');
    const first = await list(`?search=${tag}&limit=1`);
    const cursor = first.body.nextCursor as string;
    expectError(await list(`?search=${tag}&limit=1&cursor=${encodeURIComponent(`${cursor}x`)}`), 400, 'BAD_REQUEST');
    expectError(await list(`?search=other&limit=1&cursor=${encodeURIComponent(cursor)}`), 400, 'BAD_REQUEST');
  });
});

describe('DELETE /contact/{id} (admin)', () => {
  it('204, gone from the list, then 404; unknown id 404; 401 anonymous, 403 customer', async () => {
    const deleteTag = letters(12);
    const message = await created({ name: 'Di', email: 'di@example.com', message: `delete me ${deleteTag}` });
    expectError(await api('DELETE', `/contact/${message.id}`), 401, 'UNAUTHORIZED');
    expectError(await api('DELETE', `/contact/${message.id}`, { token: customer }), 403, 'FORBIDDEN');
    expect((await list(`?search=${deleteTag}`)).body.items).toHaveLength(1);

    const deleted = await api('DELETE', `/contact/${message.id}`, { token: admin });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await list(`?search=${deleteTag}`)).body.items).toEqual([]);
    expectError(await api('DELETE', `/contact/${message.id}`, { token: admin }), 404, 'NOT_FOUND');
    expectError(await api('DELETE', '/contact/does-not-exist', { token: admin }), 404, 'NOT_FOUND');
  });
});

describe('POST /contact rate limit', () => {
  it(`${LIMIT} per minute per IP: then 429 TOO_MANY_REQUESTS with Retry-After, and nothing stored`, async () => {
    // Keep the burst inside one window: with less than 15 s left, start in the next one.
    const left = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (left < 15_000) await sleep(left + 250);
    const windowStart = windowStartOf(Date.now());
    const used = attempts.filter((t) => t >= windowStart).length;
    expect(used).toBeLessThanOrEqual(LIMIT);

    const burstTag = letters(12);
    const accepted: string[] = [];
    for (let i = used; i < LIMIT; i += 1) {
      accepted.push((await created({ name: 'Eve', email: 'eve@example.com', message: `${burstTag} #${i}` })).id);
    }
    const limited = await post({ name: 'Eve', email: 'eve@example.com', message: `${burstTag} over the limit` });
    const error = expectError(limited, 429, 'TOO_MANY_REQUESTS');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((windowStart + WINDOW_MS - Date.now()) / 1000) + 1);
    expect(error.details).toEqual({ retryAfterSeconds: retryAfter });

    const stored = await list(`?search=${burstTag}&limit=100`);
    expect(stored.body.items.map((m: { id: string }) => m.id).sort()).toEqual(accepted.sort());
    // Admin endpoints are not limited by it.
    expect((await list('?limit=1')).status).toBe(200);
  });
});
