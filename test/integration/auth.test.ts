/**
 * The auth slice against DynamoDB Local, fauxqs and SES local: real conditions, transactions
 * and races. Handlers are called as Lambda would call them. This file sends its events to a
 * queue of its own, so it can read them back without racing other test files.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { createTestQueue } from '../support/test-queue.js';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../infra/routes.js';
import { toSqsRecord } from '../../infra/local/queue-poller.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';
import { emailsTo } from '../support/mail-store.js';

let drainQueue: () => Promise<Message[]>;
let h: {
  register: typeof import('../../functions/auth/register.js').handler;
  login: typeof import('../../functions/auth/login.js').handler;
  refresh: typeof import('../../functions/auth/refresh.js').handler;
  logout: typeof import('../../functions/auth/logout.js').handler;
  forgot: typeof import('../../functions/auth/forgot-password.js').handler;
  reset: typeof import('../../functions/auth/reset-password.js').handler;
  getMe: typeof import('../../functions/me/get.js').handler;
  updateMe: typeof import('../../functions/me/update.js').handler;
  updateUser: typeof import('../../functions/users/update.js').handler;
  deleteUser: typeof import('../../functions/users/delete.js').handler;
  listUsers: typeof import('../../functions/users/list.js').handler;
  process: typeof import('../../functions/events/process-order-events.js').handler;
};
let adminToken: string;
let adminId: string;

beforeAll(async () => {
  const queue = await createTestQueue('auth-it');
  drainQueue = queue.drain;
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  h = {
    register: (await import('../../functions/auth/register.js')).handler,
    login: (await import('../../functions/auth/login.js')).handler,
    refresh: (await import('../../functions/auth/refresh.js')).handler,
    logout: (await import('../../functions/auth/logout.js')).handler,
    forgot: (await import('../../functions/auth/forgot-password.js')).handler,
    reset: (await import('../../functions/auth/reset-password.js')).handler,
    getMe: (await import('../../functions/me/get.js')).handler,
    updateMe: (await import('../../functions/me/update.js')).handler,
    updateUser: (await import('../../functions/users/update.js')).handler,
    deleteUser: (await import('../../functions/users/delete.js')).handler,
    listUsers: (await import('../../functions/users/list.js')).handler,
    process: (await import('../../functions/events/process-order-events.js')).handler,
  };
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  const adminEmail = `admin-${randomUUID()}@example.com`;
  adminId = (await ensureAdmin({ email: adminEmail, password: 'admin-password' })).id;
  adminToken = (await invoke(h.login, apiEvent(routes.login, { body: { email: adminEmail, password: 'admin-password' } }))).body.accessToken;
});

afterEach(() => vi.useRealTimers());

const unique = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const register = (email: string, password = 'correct horse', name = 'Test User') =>
  invoke(h.register, apiEvent(routes.register, { body: { email, password, name } }));
const login = (email: string, password = 'correct horse') => invoke(h.login, apiEvent(routes.login, { body: { email, password } }));
const me = (token: string) => invoke(h.getMe, apiEvent(routes.getMe, { token }));
const refresh = (refreshToken: string) => invoke(h.refresh, apiEvent(routes.refresh, { body: { refreshToken } }));


const recordsFor = (messages: Message[], email: string): SQSRecord[] =>
  messages.filter((m) => m.Body!.includes(email)).map((m) => toSqsRecord(m, 'arn:aws:sqs:us-east-1:0:auth-it'));

describe('registration', () => {
  it('20 parallel registrations of one email: exactly one 201, the rest 409 EMAIL_TAKEN', async () => {
    const email = unique('race');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => register(i % 2 === 0 ? email : email.toUpperCase())),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(responses.find((r) => r.statusCode === 409)!.body.error.code).toBe('EMAIL_TAKEN');
    const page = await invoke(h.listUsers, apiEvent(routes.listUsers, { token: adminToken, query: { email } }));
    expect(page.body.items).toHaveLength(1);
  });

  it('welcome email is sent once even when the same message is delivered twice, or twice at once', async () => {
    const email = unique('welcome');
    expect((await register(email)).statusCode).toBe(201);
    const records = recordsFor(await drainQueue(), email);
    expect(records).toHaveLength(1);
    const first = await h.process({ Records: records });
    expect(first.batchItemFailures).toEqual([]);
    // Redelivery, then two concurrent deliveries.
    await h.process({ Records: records });
    await Promise.all([h.process({ Records: records }), h.process({ Records: records })]);
    const emails = await emailsTo(process.env.SES_STORE_URL!, email);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toBe('Welcome to the shop');
    expect(emails[0]!.body.text).toContain('Hi Test User');
  });

  it('two consumers receiving the same new message at once send one email', async () => {
    const email = unique('parallel');
    await register(email);
    const records = recordsFor(await drainQueue(), email);
    const results = await Promise.all(Array.from({ length: 5 }, () => h.process({ Records: records })));
    const failures = results.flatMap((r) => r.batchItemFailures);
    // Those that lost the claim ask for a retry; the retry finds the event done.
    expect(failures.length).toBeLessThanOrEqual(4);
    await h.process({ Records: records });
    expect(await emailsTo(process.env.SES_STORE_URL!, email)).toHaveLength(1);
  });
});

describe('sessions', () => {
  it('rotates refresh tokens; reusing an old one revokes the whole family', async () => {
    const email = unique('rotate');
    const registered = await register(email);
    const first = registered.body.refreshToken as string;
    const rotated = await refresh(first);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first);
    expect((await me(rotated.body.accessToken)).statusCode).toBe(200);

    const reuse = await refresh(first);
    expect(reuse.statusCode).toBe(401);
    // The thief's replay killed the family: the legitimate newer tokens die with it.
    expect((await refresh(rotated.body.refreshToken)).statusCode).toBe(401);
    expect((await me(rotated.body.accessToken)).statusCode).toBe(401);
    // Other sessions of the same user are untouched.
    const other = await login(email);
    expect((await me(other.body.accessToken)).statusCode).toBe(200);
  });

  it('an access token is not a refresh token, and vice versa', async () => {
    const registered = await register(unique('kinds'));
    expect((await refresh(registered.body.accessToken)).statusCode).toBe(401);
    expect((await me(registered.body.refreshToken)).statusCode).toBe(401);
  });

  it('concurrent refreshes with one token: at most one wins', async () => {
    const registered = await register(unique('concurrent'));
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(registered.body.refreshToken)));
    expect(results.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(1);
  });

  it('logout kills the access token at once and its refresh family', async () => {
    const registered = await register(unique('logout'));
    const { accessToken, refreshToken } = registered.body;
    const out = await invoke(h.logout, apiEvent(routes.logout, { token: accessToken }));
    expect(out.statusCode).toBe(204);
    expect(out.cookies[0]).toMatch(/^accessToken=; .*Max-Age=0/);
    expect((await me(accessToken)).statusCode).toBe(401);
    expect((await refresh(refreshToken)).statusCode).toBe(401);
  });

  it('expired access tokens are refused (clock moved past 15 minutes)', async () => {
    const registered = await register(unique('expiry'));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    const response = await me(registered.body.accessToken);
    expect(response.statusCode).toBe(401);
    expect(response.body.error.message).toBe('The token has expired');
  });
});

describe('lockout', () => {
  it('5 failures in 15 minutes lock the account: 429 with Retry-After, even with the right password', async () => {
    const email = unique('lock');
    await register(email);
    for (let i = 0; i < 5; i += 1) expect((await login(email, 'wrong password')).statusCode).toBe(401);
    const locked = await login(email);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    // 16 minutes later the lock is over and the right password works again.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    expect((await login(email)).statusCode).toBe(200);
  });

  it('parallel failures are all counted: at most 5 password checks, the rest 429', async () => {
    const email = unique('parallel-lock');
    await register(email);
    const results = await Promise.all(Array.from({ length: 8 }, () => login(email, 'wrong password')));
    expect(results.filter((r) => r.statusCode === 401)).toHaveLength(5);
    expect(results.filter((r) => r.statusCode === 429)).toHaveLength(3);
    expect((await login(email)).statusCode).toBe(429);
  });

  it('unknown emails lock exactly like real ones', async () => {
    const email = unique('ghost');
    const answers: ParsedResponse[] = [];
    for (let i = 0; i < 5; i += 1) answers.push(await login(email, 'wrong password'));
    expect(answers.every((a) => a.statusCode === 401 && a.body.error.code === 'INVALID_CREDENTIALS')).toBe(true);
    expect((await login(email, 'wrong password')).statusCode).toBe(429);
  });

  it('a success clears the failures', async () => {
    const email = unique('clear');
    await register(email);
    for (let i = 0; i < 4; i += 1) await login(email, 'wrong password');
    expect((await login(email)).statusCode).toBe(200);
    for (let i = 0; i < 4; i += 1) await login(email, 'wrong password');
    expect((await login(email)).statusCode).toBe(200);
  });
});

describe('password reset', () => {
  it('emails a single-use link; the reset ends every session; 202 for unknown emails too', async () => {
    const email = unique('reset');
    const registered = await register(email);
    await drainQueue();
    expect((await invoke(h.forgot, apiEvent(routes.forgotPassword, { body: { email: email.toUpperCase() } }))).statusCode).toBe(202);
    const nobody = unique('nobody');
    expect((await invoke(h.forgot, apiEvent(routes.forgotPassword, { body: { email: nobody } }))).statusCode).toBe(202);

    // The route queues one request for either email; the processor finds only one account to email.
    const queued = await drainQueue();
    const records = recordsFor(queued, email);
    const nobodyRecords = recordsFor(queued, nobody);
    expect(records).toHaveLength(1);
    expect(nobodyRecords).toHaveLength(1);
    expect((await h.process({ Records: [...records, ...nobodyRecords] })).batchItemFailures).toEqual([]);
    expect(await emailsTo(process.env.SES_STORE_URL!, nobody)).toEqual([]);
    const [mail] = await emailsTo(process.env.SES_STORE_URL!, email).then((all) => all.filter((m) => m.subject === 'Reset your password'));
    const token = new URL(/(http\S+reset-password\?token=\S+)/.exec(mail!.body.text!)![1]!).searchParams.get('token')!;

    const reset = await invoke(h.reset, apiEvent(routes.resetPassword, { body: { token, password: 'brand new password' } }));
    expect(reset.statusCode).toBe(204);
    const again = await invoke(h.reset, apiEvent(routes.resetPassword, { body: { token, password: 'another password' } }));
    expect(again.statusCode).toBe(400);
    expect((await me(registered.body.accessToken)).statusCode).toBe(401);
    expect((await refresh(registered.body.refreshToken)).statusCode).toBe(401);
    expect((await login(email)).statusCode).toBe(401);
    expect((await login(email, 'brand new password')).statusCode).toBe(200);
  });

  it('reset tokens expire after one hour, and a forged token is refused', async () => {
    const email = unique('reset-expiry');
    await register(email);
    await drainQueue();
    await invoke(h.forgot, apiEvent(routes.forgotPassword, { body: { email } }));
    expect((await h.process({ Records: recordsFor(await drainQueue(), email) })).batchItemFailures).toEqual([]);
    const [mail] = await emailsTo(process.env.SES_STORE_URL!, email).then((all) => all.filter((m) => m.subject === 'Reset your password'));
    const token = new URL(/(http\S+reset-password\?token=\S+)/.exec(mail!.body.text!)![1]!).searchParams.get('token')!;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61 * 60_000);
    const late = await invoke(h.reset, apiEvent(routes.resetPassword, { body: { token, password: 'brand new password' } }));
    expect(late.statusCode).toBe(400);
    vi.useRealTimers();
    const forged = await invoke(h.reset, apiEvent(routes.resetPassword, { body: { token: `${token}x`, password: 'brand new password' } }));
    expect(forged.statusCode).toBe(400);
  });
});

describe('profile and admin user management', () => {
  it('PATCH /me changes the name, and the password only with the current one', async () => {
    const email = unique('profile');
    const { body } = await register(email);
    const renamed = await invoke(h.updateMe, apiEvent(routes.updateMe, { token: body.accessToken, body: { name: 'New Name' } }));
    expect(renamed.body).toMatchObject({ name: 'New Name', email });
    const wrong = await invoke(h.updateMe, apiEvent(routes.updateMe, { token: body.accessToken, body: { currentPassword: 'nope', newPassword: 'another password' } }));
    expect(wrong.statusCode).toBe(401);
    const noCurrent = await invoke(h.updateMe, apiEvent(routes.updateMe, { token: body.accessToken, body: { newPassword: 'another password' } }));
    expect(noCurrent.statusCode).toBe(400);
    const changed = await invoke(h.updateMe, apiEvent(routes.updateMe, { token: body.accessToken, body: { currentPassword: 'correct horse', newPassword: 'another password' } }));
    expect(changed.statusCode).toBe(200);
    expect((await login(email, 'another password')).statusCode).toBe(200);
  });

  it('disabling a user stops their tokens at once; enabling does not bring them back', async () => {
    const { body } = await register(unique('disable'));
    const patch = (disabled: boolean) =>
      invoke(h.updateUser, apiEvent(routes.updateUser, { token: adminToken, path: { id: body.user.id }, body: { disabled } }));
    expect((await patch(true)).body.disabled).toBe(true);
    expect((await me(body.accessToken)).statusCode).toBe(401);
    expect((await refresh(body.refreshToken)).statusCode).toBe(401);
    expect((await patch(false)).statusCode).toBe(200);
    expect((await me(body.accessToken)).statusCode).toBe(401);
    expect((await login(body.user.email)).statusCode).toBe(200);
  });

  it('a promotion takes effect on the next request; admins cannot demote or delete themselves', async () => {
    const { body } = await register(unique('promote'));
    const listAsUser = () => invoke(h.listUsers, apiEvent(routes.listUsers, { token: body.accessToken }));
    expect((await listAsUser()).statusCode).toBe(403);
    await invoke(h.updateUser, apiEvent(routes.updateUser, { token: adminToken, path: { id: body.user.id }, body: { role: 'admin' } }));
    expect((await listAsUser()).statusCode).toBe(200);
    const selfDemote = await invoke(h.updateUser, apiEvent(routes.updateUser, { token: adminToken, path: { id: adminId }, body: { role: 'customer' } }));
    expect(selfDemote.statusCode).toBe(409);
    const selfDelete = await invoke(h.deleteUser, apiEvent(routes.deleteUser, { token: adminToken, path: { id: adminId } }));
    expect(selfDelete.statusCode).toBe(409);
  });

  it('deleting a user ends their sessions and frees the email', async () => {
    const email = unique('delete');
    const { body } = await register(email);
    const del = await invoke(h.deleteUser, apiEvent(routes.deleteUser, { token: adminToken, path: { id: body.user.id } }));
    expect(del.statusCode).toBe(204);
    expect((await me(body.accessToken)).statusCode).toBe(401);
    expect((await invoke(h.deleteUser, apiEvent(routes.deleteUser, { token: adminToken, path: { id: body.user.id } }))).statusCode).toBe(404);
    expect((await register(email)).statusCode).toBe(201);
  });
});

describe('admin user list', () => {
  const tag = `zq${randomUUID().slice(0, 6)}`;
  const names = ['Delta', 'alpha', 'Charlie', 'bravo', 'Echo', 'foxtrot', 'Golf'];
  beforeAll(async () => {
    for (const [i, name] of names.entries()) {
      await register(`${tag}-${String.fromCharCode(122 - i)}@example.com`, 'correct horse', `${name} ${tag}`);
    }
  });
  const list = (query: Record<string, string>) => invoke(h.listUsers, apiEvent(routes.listUsers, { token: adminToken, query: { search: tag, ...query } }));

  async function all(query: Record<string, string>) {
    const items: { name: string; email: string; createdAt: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ ...query, limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.statusCode).toBe(200);
      items.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  it('pages through every sort with no duplicates or gaps', async () => {
    const byName = await all({ sort: 'name' });
    expect(byName.map((u) => u.name.split(' ')[0]!.toLowerCase())).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf']);
    const byEmail = await all({ sort: 'email' });
    expect(byEmail.map((u) => u.email)).toEqual([...byEmail.map((u) => u.email)].sort());
    expect(byEmail).toHaveLength(7);
    const newest = await all({ sort: '-createdAt' });
    const oldest = await all({ sort: 'createdAt' });
    expect(newest.map((u) => u.email)).toEqual([...oldest.map((u) => u.email)].reverse());
    expect(oldest.map((u) => u.name.split(' ')[0])).toEqual(names);
  });

  it('searches names and emails case-insensitively', async () => {
    const page = await list({ search: `CHARLIE ${tag}`.toUpperCase() });
    expect(page.body.items.map((u: { name: string }) => u.name)).toEqual([`Charlie ${tag}`]);
    const byEmail = await list({ search: `${tag}-z@` });
    expect(byEmail.body.items).toHaveLength(1);
  });

  it('rejects a tampered cursor and a cursor from another query with 400', async () => {
    const first = await list({ sort: 'name', limit: '2' });
    const cursor = first.body.nextCursor as string;
    const tampered = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    expect((await list({ sort: 'name', limit: '2', cursor: tampered })).body.error.code).toBe('BAD_REQUEST');
    expect((await list({ sort: 'email', limit: '2', cursor })).statusCode).toBe(400);
  });

  it('validates the query: limit 1..100, known sorts only', async () => {
    for (const query of [{ limit: "0" }, { limit: "101" }, { sort: "password" }, { unknown: "1" }] as Record<string, string>[]) {
      const response = await list(query);
      expect(response.statusCode).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
    }
  });
});
