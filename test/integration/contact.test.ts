/**
 * Contact messages against DynamoDB Local: the per-IP limit under real atomic counters and
 * races, search over the filtered gsi1 query with cursor paging, conditional delete.
 * Other test files share the table, so every assertion is scoped by a tag unique to this run
 * and every rate-limit test uses IPs of its own.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as createHandler } from '../../functions/contact/create.js';
import { handler as deleteHandler } from '../../functions/contact/delete.js';
import { handler as listHandler } from '../../functions/contact/list.js';
import { handler as loginHandler } from '../../functions/auth/login.js';
import { routes } from '../../infra/routes.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { CONTACT_RATE_LIMIT } from '../../shared/contact/contact-messages.js';
import { ensureAdmin } from '../../shared/users/accounts.js';
import { createUser } from '../../shared/users/user-repository.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';

interface Message {
  id: string;
  name: string;
  email: string;
  phone?: string;
  message: string;
  createdAt: string;
}

let adminToken: string;
let customerToken: string;

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');
const randomIpv4 = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const randomPrefix64 = () => `fd${randomInt(16 ** 2).toString(16)}:${randomInt(16 ** 4).toString(16)}:${randomInt(16 ** 4).toString(16)}:${randomInt(16 ** 4).toString(16)}`;

async function loginAs(role: 'admin' | 'customer'): Promise<string> {
  const email = `contact-${role}-${randomUUID().slice(0, 8)}@example.com`;
  if (role === 'admin') await ensureAdmin({ email, password: 'admin-password' });
  else await createUser({ email, name: 'Customer', passwordHash: await hashPassword('admin-password'), role: 'customer' });
  const response = await invoke(loginHandler, apiEvent(routes.login, { body: { email, password: 'admin-password' } }));
  expect(response.statusCode).toBe(200);
  return response.body.accessToken as string;
}

beforeAll(async () => {
  [adminToken, customerToken] = await Promise.all([loginAs('admin'), loginAs('customer')]);
});

afterEach(() => vi.useRealTimers());

function submit(body: Record<string, unknown>, sourceIp: string): Promise<ParsedResponse> {
  const event = apiEvent(routes.createContactMessage, { body });
  event.requestContext.http.sourceIp = sourceIp;
  return invoke(createHandler, event);
}

const note = (text: string) => ({ name: 'Visitor', email: 'visitor@example.com', message: text });

const list = (query: Record<string, string>, token = adminToken) =>
  invoke(listHandler, apiEvent(routes.listContactMessages, { token, query }));

/** Follows nextCursor to the end; checks every page on the way. */
async function listAll(query: Record<string, string>, limit = 5): Promise<{ items: Message[]; pages: number }> {
  const items: Message[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(page.statusCode).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { items, pages };
}

/** Freezes Date (only Date: the SDK's timers keep running) at `offsetMs` into a future window. */
function freezeClock(offsetMs: number): number {
  const windowMs = CONTACT_RATE_LIMIT.windowSeconds * 1000;
  const windowStart = (Math.floor(Date.now() / windowMs) + 1) * windowMs;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(windowStart + offsetMs);
  return windowStart;
}

describe('POST /contact rate limit (5 per minute per source IP)', () => {
  it('five from one IP pass; the sixth is 429 with Retry-After to the window end and writes nothing; another IP is unaffected', async () => {
    const tag = letters(12);
    const ip = randomIpv4();
    freezeClock(45_500);
    for (let i = 1; i <= 5; i += 1) {
      const response = await submit(note(`${tag} #${i}`), ip);
      expect(response.statusCode, `submission ${i}`).toBe(201);
    }
    const sixth = await submit(note(`${tag} #6`), ip);
    expect(sixth.statusCode).toBe(429);
    expect(sixth.body.error).toMatchObject({ code: 'TOO_MANY_REQUESTS', details: { retryAfterSeconds: 15 } });
    expect(sixth.headers['retry-after']).toBe('15'); // 14.5 s left in the minute, rounded up
    expect(sixth.headers['x-request-id']).toBe(sixth.body.error.requestId);
    // Still blocked, however often it retries within the window.
    expect((await submit(note(`${tag} #7`), ip)).statusCode).toBe(429);

    const other = await submit(note(`${tag} other`), randomIpv4());
    expect(other.statusCode).toBe(201);

    const { items } = await listAll({ search: tag });
    expect(items.map((m) => m.message).sort()).toEqual([...[1, 2, 3, 4, 5].map((i) => `${tag} #${i}`), `${tag} other`].sort());
  });

  it('8 parallel submissions from one IP: exactly 5 are created', async () => {
    const tag = letters(12);
    const ip = randomIpv4();
    freezeClock(10_000);
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => submit(note(`${tag} #${i}`), ip)));
    const created = responses.filter((r) => r.statusCode === 201);
    expect(created).toHaveLength(5);
    expect(responses.filter((r) => r.statusCode === 429)).toHaveLength(3);
    const { items } = await listAll({ search: tag });
    expect(items.map((m) => m.id).sort()).toEqual(created.map((r) => r.body.id as string).sort());
  });

  it('the next window allows again (and not a millisecond earlier)', async () => {
    const tag = letters(12);
    const ip = randomIpv4();
    const windowStart = freezeClock(59_000);
    for (let i = 0; i < 5; i += 1) expect((await submit(note(`${tag} #${i}`), ip)).statusCode).toBe(201);
    expect((await submit(note(`${tag} blocked`), ip)).headers['retry-after']).toBe('1');
    vi.setSystemTime(windowStart + 59_999);
    expect((await submit(note(`${tag} still blocked`), ip)).statusCode).toBe(429);
    vi.setSystemTime(windowStart + 60_000);
    const next = await submit(note(`${tag} next minute`), ip);
    expect(next.statusCode).toBe(201);
    const { items } = await listAll({ search: tag });
    expect(items).toHaveLength(6);
    expect(items.some((m) => m.message.includes('blocked'))).toBe(false);
  });

  it('IPv6 clients are limited per /64; IPv4-mapped addresses count as their IPv4 address', async () => {
    const tag = letters(12);
    const prefix = randomPrefix64();
    freezeClock(5_000);
    for (let i = 1; i <= 5; i += 1) expect((await submit(note(`${tag} v6 ${i}`), `${prefix}::${i}`)).statusCode).toBe(201);
    expect((await submit(note(`${tag} v6 same /64`), `${prefix}:1234:5678:9abc:def0`)).statusCode).toBe(429);
    let other = randomPrefix64();
    while (other === prefix) other = randomPrefix64();
    expect((await submit(note(`${tag} v6 other /64`), `${other}::1`)).statusCode).toBe(201);

    const v4 = randomIpv4();
    for (let i = 1; i <= 5; i += 1) expect((await submit(note(`${tag} v4 ${i}`), i % 2 ? v4 : `::ffff:${v4}`)).statusCode).toBe(201);
    expect((await submit(note(`${tag} v4 mapped`), `::ffff:${v4}`)).statusCode).toBe(429);
  });
});

describe('GET /contact (admin)', () => {
  const num = String(randomInt(100_000_000, 999_999_999)); // in every field, one field per message
  const word = letters(10);
  const createdByField: Record<'name' | 'email' | 'phone' | 'message', string[]> = { name: [], email: [], phone: [], message: [] };
  let decoys: string[] = [];

  beforeAll(async () => {
    const send = async (field: keyof typeof createdByField | null, body: Record<string, unknown>) => {
      // One IP per message: this seeds data, the limit is tested above.
      const response = await submit(body, randomIpv4());
      expect(response.statusCode).toBe(201);
      if (field) createdByField[field].push(response.body.id);
      return response.body.id as string;
    };
    for (let i = 0; i < 3; i += 1) {
      await send('name', { name: `Agent ${num}-${i}`, email: `a${i}@example.com`, message: 'about an order' });
      await send('email', { name: 'Bea', email: `b${num}.${i}@Example.com`, message: 'refund please' });
      // The stored phone is formatted; the digits-only form is searchable too.
      await send('phone', { name: 'Cy', email: `c${i}@example.com`, phone: `+1 (${num.slice(0, 3)}) ${num.slice(3, 6)}-${num.slice(6)}${i}`, message: 'call me' });
      await send('message', { name: 'Di', email: `d${i}@example.com`, message: `My order ${num} (${i}) never came.\nThe ${word.toUpperCase()} box.` });
    }
    decoys = await Promise.all([0, 1, 2].map(() => send(null, { name: 'Ed', email: 'ed@example.com', phone: '555 0100', message: 'nothing to see' })));
  });

  const everyTagged = () => Object.values(createdByField).flat();

  it('search matches name, email, phone and message; pages have no duplicates or gaps, newest first', async () => {
    const { items, pages } = await listAll({ search: num }, 5);
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = items.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(everyTagged().sort());
    for (const [field, fieldIds] of Object.entries(createdByField)) {
      expect(fieldIds.every((id) => ids.includes(id)), field).toBe(true);
    }
    for (const decoy of decoys) expect(ids).not.toContain(decoy);
    const sortKeys = items.map((m) => `${m.createdAt}#${m.id}`);
    expect(sortKeys).toEqual([...sortKeys].sort().reverse());
  });

  it('each field on its own, case-insensitively', async () => {
    const only = async (search: string) => (await listAll({ search }, 100)).items.map((m) => m.id).sort();
    expect(await only(`AGENT ${num}`)).toEqual([...createdByField.name].sort());
    expect(await only(`B${num}.`)).toEqual([...createdByField.email].sort());
    expect(await only(`(${num.slice(0, 3)}) ${num.slice(3, 6)}`)).toEqual([...createdByField.phone].sort());
    expect(await only(`${num}0`)).toEqual([createdByField.phone[0]!]); // digits-only phone
    expect(await only(word)).toEqual([...createdByField.message].sort());
    expect(await only(`${word}x`)).toEqual([]);
  });

  it('without search: the whole list, newest first, no duplicates across pages', async () => {
    const { items } = await listAll({}, 7);
    const sortKeys = items.map((m) => `${m.createdAt}#${m.id}`);
    expect(new Set(sortKeys).size).toBe(sortKeys.length);
    expect(sortKeys).toEqual([...sortKeys].sort().reverse());
    expect(items.map((m) => m.id)).toEqual(expect.arrayContaining([...everyTagged(), ...decoys]));
    const first = await list({ limit: '1' });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(Object.keys(first.body.items[0]).every((key) => ['id', 'name', 'email', 'phone', 'message', 'createdAt'].includes(key))).toBe(true);
  });

  it('a cursor is bound to its search: tampered or replayed on another search is a 400', async () => {
    const first = await list({ search: num, limit: '2' });
    const cursor = first.body.nextCursor as string;
    expect((await list({ search: word, limit: '2', cursor })).body.error.code).toBe('BAD_REQUEST');
    const tampered = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    expect((await list({ search: num, limit: '2', cursor: tampered })).statusCode).toBe(400);
  });

  it('401 anonymous, 403 customer', async () => {
    expect((await invoke(listHandler, apiEvent(routes.listContactMessages))).statusCode).toBe(401);
    const forbidden = await list({}, customerToken);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
  });
});

describe('DELETE /contact/{id} (admin)', () => {
  const remove = (id: string, token = adminToken) =>
    invoke(deleteHandler, apiEvent(routes.deleteContactMessage, { token, path: { id } }));

  it('204, then it is gone from the list, and deleting it again is a 404', async () => {
    const tag = letters(12);
    const kept = await submit(note(`${tag} keep`), randomIpv4());
    const doomed = await submit(note(`${tag} delete`), randomIpv4());
    const deleted = await remove(doomed.body.id);
    expect(deleted.statusCode).toBe(204);
    expect((await listAll({ search: tag })).items.map((m) => m.id)).toEqual([kept.body.id]);
    const again = await remove(doomed.body.id);
    expect(again.statusCode).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
    expect((await remove(randomUUID())).statusCode).toBe(404);
  });

  it('a customer may not delete (403), anonymous neither (401); the message stays', async () => {
    const tag = letters(12);
    const message = await submit(note(tag), randomIpv4());
    expect((await remove(message.body.id, customerToken)).statusCode).toBe(403);
    expect((await invoke(deleteHandler, apiEvent(routes.deleteContactMessage, { path: { id: message.body.id } }))).statusCode).toBe(401);
    expect((await listAll({ search: tag })).items.map((m) => m.id)).toEqual([message.body.id]);
  });
});
