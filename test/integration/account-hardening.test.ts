/**
 * Issue 11, accounts: the lockout under parallel bursts, sessions ended by password changes
 * and disabling, reset links, abuse limits and "always an admin", against the emulators
 * (DynamoDB behind the conflict-faithful proxy). Handlers are called as Lambda would call them,
 * in real parallel bursts, with exact expected outcomes.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../infra/routes.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';
import { createTestQueue } from '../support/test-queue.js';

let h: {
  register: typeof import('../../functions/auth/register.js').handler;
  login: typeof import('../../functions/auth/login.js').handler;
  refresh: typeof import('../../functions/auth/refresh.js').handler;
  getMe: typeof import('../../functions/me/get.js').handler;
  updateMe: typeof import('../../functions/me/update.js').handler;
  updateUser: typeof import('../../functions/users/update.js').handler;
  reset: typeof import('../../functions/auth/reset-password.js').handler;
  forgot: typeof import('../../functions/auth/forgot-password.js').handler;
  deleteUser: typeof import('../../functions/users/delete.js').handler;
};
let drainQueue: () => Promise<Message[]>;
let adminToken: string;

beforeAll(async () => {
  const queue = await createTestQueue('account-hardening-it');
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  drainQueue = queue.drain;
  h = {
    register: (await import('../../functions/auth/register.js')).handler,
    login: (await import('../../functions/auth/login.js')).handler,
    refresh: (await import('../../functions/auth/refresh.js')).handler,
    getMe: (await import('../../functions/me/get.js')).handler,
    updateMe: (await import('../../functions/me/update.js')).handler,
    updateUser: (await import('../../functions/users/update.js')).handler,
    reset: (await import('../../functions/auth/reset-password.js')).handler,
    forgot: (await import('../../functions/auth/forgot-password.js')).handler,
    deleteUser: (await import('../../functions/users/delete.js')).handler,
  };
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  const adminEmail = unique('admin');
  await ensureAdmin({ email: adminEmail, password: 'admin-password' });
  adminToken = (await login(adminEmail, 'admin-password')).body.accessToken;
});

afterEach(() => vi.useRealTimers());

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const register = (email: string, password = 'correct horse') =>
  invoke(h.register, apiEvent(routes.register, { body: { email, password, name: 'Test User' } }));
const login = (email: string, password = 'correct horse') => invoke(h.login, apiEvent(routes.login, { body: { email, password } }));
const me = (token: string) => invoke(h.getMe, apiEvent(routes.getMe, { token }));
const refresh = (refreshToken: string) => invoke(h.refresh, apiEvent(routes.refresh, { body: { refreshToken } }));
const updateMe = (token: string, body: Record<string, unknown>) => invoke(h.updateMe, apiEvent(routes.updateMe, { token, body }));
const setDisabled = (id: string, disabled: boolean) =>
  invoke(h.updateUser, apiEvent(routes.updateUser, { token: adminToken, path: { id }, body: { disabled } }));
const statusCounts = (responses: readonly ParsedResponse[]) =>
  responses.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.statusCode]: (counts[r.statusCode] ?? 0) + 1 }), {});

describe('lockout under parallel bursts (item 1)', () => {
  it('40 parallel wrong passwords: exactly 5 checks (401), 35 × 429 with Retry-After; then even the right password is 429', async () => {
    const email = unique('burst40');
    await register(email);
    const responses = await Promise.all(Array.from({ length: 40 }, () => login(email, 'wrong password')));
    expect(statusCounts(responses)).toEqual({ 401: 5, 429: 35 });
    for (const r of responses.filter((x) => x.statusCode === 429)) {
      expect(r.body.error.code).toBe('TOO_MANY_REQUESTS');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(800);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(900);
    }
    expect((await login(email)).statusCode).toBe(429);
  });

  it('100 parallel attempts with the right password among them: 5 checks at most, no 5xx; the window then ends on time', async () => {
    const email = unique('burst100');
    await register(email);
    // The right password is the 101st request, after the burst: locked like everything else.
    const responses = await Promise.all(Array.from({ length: 100 }, () => login(email, 'wrong password')));
    expect(statusCounts(responses)).toEqual({ 401: 5, 429: 95 });
    expect((await login(email)).statusCode).toBe(429);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    expect((await login(email)).statusCode).toBe(200);
  });

  it('100 parallel attempts with the right password inside the burst: never 5xx, at most 5 wrong checks per window, and only the success opens a new one', async () => {
    for (const at of [0, 50, 99]) {
      const email = unique(`burst-right-${at}`);
      await register(email);
      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => login(email, i === at ? 'correct horse' : 'wrong password')));
      const counts = statusCounts(responses);
      expect(Object.keys(counts).every((status) => ['200', '401', '429'].includes(status)), JSON.stringify(counts)).toBe(true);
      const successes = counts[200] ?? 0;
      expect(successes).toBeLessThanOrEqual(1);
      // A success clears the window it claimed in (by design: the owner signed in), so a guesser
      // racing it gets at most one more window of 5 checks; without a success, 5 in all.
      expect(counts[401] ?? 0).toBeLessThanOrEqual(5 * (1 + successes));
      expect((counts[401] ?? 0) + successes + (counts[429] ?? 0)).toBe(100);
    }
  });

  it('unknown emails: the same 5 × 401 and 35 × 429 in a burst of 40', async () => {
    const email = unique('ghost-burst');
    const responses = await Promise.all(Array.from({ length: 40 }, () => login(email, 'wrong password')));
    expect(statusCounts(responses)).toEqual({ 401: 5, 429: 35 });
    expect(new Set(responses.filter((r) => r.statusCode === 401).map((r) => r.body.error.code))).toEqual(new Set(['INVALID_CREDENTIALS']));
  });

  it('a burst mixing right and wrong passwords never answers 5xx and leaves a lockout that still counts exactly', async () => {
    const email = unique('mixed');
    await register(email);
    for (let round = 0; round < 2; round += 1) {
      const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => login(email, i % 2 === 0 ? 'correct horse' : 'wrong password')));
      expect(responses.every((r) => [200, 401, 429].includes(r.statusCode))).toBe(true);
    }
    // Past the window: exactly 5 more checks, then 429 (the item was never left half-written).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    const after = [];
    for (let i = 0; i < 6; i += 1) after.push((await login(email, 'wrong password')).statusCode);
    expect(after).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login(email)).statusCode).toBe(429);
  });
});

describe('sessions end with a password change and with disabling (item 2)', () => {
  it('PATCH /me with a new password ends every other session; this device gets fresh tokens', async () => {
    const email = unique('change');
    const first = (await register(email)).body;
    const second = (await login(email)).body;
    const changed = await updateMe(first.accessToken, { currentPassword: 'correct horse', newPassword: 'a brand new one' });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toMatchObject({ email, accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    expect(changed.cookies[0]).toMatch(/^accessToken=/);
    // The other session: access and refresh tokens dead.
    expect((await me(second.accessToken)).statusCode).toBe(401);
    expect((await refresh(second.refreshToken)).statusCode).toBe(401);
    // The tokens this request was made with are replaced too.
    expect((await me(first.accessToken)).statusCode).toBe(401);
    expect((await refresh(first.refreshToken)).statusCode).toBe(401);
    // The fresh pair works, and rotates.
    expect((await me(changed.body.accessToken)).statusCode).toBe(200);
    const rotated = await refresh(changed.body.refreshToken);
    expect(rotated.statusCode).toBe(200);
    expect((await me(rotated.body.accessToken)).statusCode).toBe(200);
    expect((await login(email, 'a brand new one')).statusCode).toBe(200);
  });

  it('a name-only change keeps every session and issues no tokens', async () => {
    const email = unique('rename');
    const first = (await register(email)).body;
    const renamed = await updateMe(first.accessToken, { name: 'Renamed' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.body.accessToken).toBeUndefined();
    expect((await me(first.accessToken)).statusCode).toBe(200);
  });

  it('40 parallel password changes from one session: exactly one wins, the rest 409 or 401, nothing 5xx', async () => {
    const email = unique('parallel-change');
    const first = (await register(email)).body;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => updateMe(first.accessToken, { currentPassword: 'correct horse', newPassword: `new password ${i}` })),
    );
    const winners = responses.filter((r) => r.statusCode === 200);
    expect(winners).toHaveLength(1);
    expect(responses.every((r) => r.statusCode === 200 || r.statusCode === 409 || r.statusCode === 401)).toBe(true);
    const winningPassword = `new password ${responses.indexOf(winners[0]!)}`;
    expect((await login(email, winningPassword)).statusCode).toBe(200);
  });

  it('re-enabling a disabled user does not revive tokens issued before it was disabled', async () => {
    const registered = (await register(unique('reenable'))).body;
    expect((await setDisabled(registered.user.id, true)).statusCode).toBe(200);
    expect((await me(registered.accessToken)).statusCode).toBe(401);
    expect((await setDisabled(registered.user.id, false)).statusCode).toBe(200);
    expect((await me(registered.accessToken)).statusCode).toBe(401);
    expect((await refresh(registered.refreshToken)).statusCode).toBe(401);
    const again = await login(registered.user.email);
    expect(again.statusCode).toBe(200);
    expect((await me(again.body.accessToken)).statusCode).toBe(200);
  });
});

describe('reset links (item 3)', () => {
  /** Issues `count` links for `email` as the processor does for each forgot-password event (the route's own limits are tested elsewhere). */
  async function resetLinks(email: string, count: number): Promise<string[]> {
    const { issueResetLink } = await import('../../shared/auth/reset-links.js');
    const tokens: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const link = await issueResetLink(email);
      expect(link?.user.email).toBe(email);
      tokens.push(new URL(link!.resetUrl).searchParams.get('token')!);
    }
    return tokens;
  }
  const reset = (token: string, password: string) => invoke(h.reset, apiEvent(routes.resetPassword, { body: { token, password } }));

  it('a successful reset makes every link issued before it worthless, older and newer alike', async () => {
    const email = unique('links');
    await register(email);
    await drainQueue();
    const [older, middle, newer] = await resetLinks(email, 3);
    expect((await reset(middle!, 'middle password')).statusCode).toBe(204);
    const olderAfter = await reset(older!, 'older password');
    expect(olderAfter.statusCode).toBe(400);
    expect(olderAfter.body.error.code).toBe('BAD_REQUEST');
    expect((await reset(newer!, 'newer password')).statusCode).toBe(400);
    expect((await login(email, 'middle password')).statusCode).toBe(200);
    // A link asked for after the reset works.
    const [fresh] = await resetLinks(email, 1);
    expect((await reset(fresh!, 'fresh password')).statusCode).toBe(204);
  });

  it('40 links redeemed in parallel: exactly one 204, 39 × 400, and the winner\'s password is the one set', async () => {
    const email = unique('links40');
    await register(email);
    await drainQueue();
    const tokens = await resetLinks(email, 40);
    const responses = await Promise.all(tokens.map((token, i) => reset(token, `password number ${i}`)));
    expect(statusCounts(responses)).toEqual({ 204: 1, 400: 39 });
    const winner = responses.findIndex((r) => r.statusCode === 204);
    expect((await login(email, `password number ${winner}`)).statusCode).toBe(200);
  });

  it('a password change through PATCH /me also voids outstanding links', async () => {
    const email = unique('links-change');
    const { accessToken } = (await register(email)).body;
    await drainQueue();
    const [link] = await resetLinks(email, 1);
    expect((await updateMe(accessToken, { currentPassword: 'correct horse', newPassword: 'changed by hand' })).statusCode).toBe(200);
    expect((await reset(link!, 'from the old link')).statusCode).toBe(400);
    expect((await login(email, 'changed by hand')).statusCode).toBe(200);
  });
});

describe('always an active admin (item 5)', () => {
  /** `count` fresh admins, each with an access token (created directly: no bcrypt per admin). */
  async function admins(count: number): Promise<{ id: string; token: string }[]> {
    const { createUser } = await import('../../shared/users/user-repository.js');
    const { startSession } = await import('../../shared/auth/sessions.js');
    return Promise.all(
      Array.from({ length: count }, async () => {
        const user = await createUser({ email: unique('admin'), name: 'Admin', passwordHash: 'not-a-hash', role: 'admin' });
        return { id: user.id, token: (await startSession(user)).accessToken };
      }),
    );
  }
  const demote = (actor: { token: string }, target: { id: string }) =>
    invoke(h.updateUser, apiEvent(routes.updateUser, { token: actor.token, path: { id: target.id }, body: { role: 'customer' } }));
  const disable = (actor: { token: string }, target: { id: string }) =>
    invoke(h.updateUser, apiEvent(routes.updateUser, { token: actor.token, path: { id: target.id }, body: { disabled: true } }));
  const remove = (actor: { token: string }, target: { id: string }) =>
    invoke(h.deleteUser, apiEvent(routes.deleteUser, { token: actor.token, path: { id: target.id } }));
  async function activeAdmin(id: string): Promise<boolean> {
    const { findUserById } = await import('../../shared/users/user-repository.js');
    const user = await findUserById(id);
    return user !== undefined && user.role === 'admin' && !user.disabled;
  }

  for (const [name, act, success] of [
    ['demote', demote, 200],
    ['disable', disable, 200],
    ['delete', remove, 204],
  ] as const) {
    it(`20 pairs of admins ${name} each other at the same moment (40 requests): exactly one of each pair wins, one admin of each pair is left`, async () => {
      const pairs = await admins(40);
      const responses = await Promise.all(pairs.map((actor, i) => act(actor, pairs[i % 2 === 0 ? i + 1 : i - 1]!)));
      for (let i = 0; i < 40; i += 2) {
        const [a, b] = [responses[i]!, responses[i + 1]!];
        expect([a.statusCode, b.statusCode].filter((status) => status === success)).toHaveLength(1);
        const loser = a.statusCode === success ? b : a;
        // Refused by the transaction's check (409), or already no admin when it arrived (403, or 401 once deleted/disabled).
        expect([401, 403, 409]).toContain(loser.statusCode);
        if (loser.statusCode === 409) expect(loser.body.error.code).toBe('CONFLICT');
        const left = await Promise.all([activeAdmin(pairs[i]!.id), activeAdmin(pairs[i + 1]!.id)]);
        expect(left.filter(Boolean)).toHaveLength(1);
        // The winner is the one left.
        expect(left[a.statusCode === success ? 0 : 1]).toBe(true);
      }
    });
  }

  it('a ring of 40 admins, each demoting the next at once, always leaves an active admin who acted', async () => {
    const ring = await admins(40);
    const responses = await Promise.all(ring.map((actor, i) => demote(actor, ring[(i + 1) % 40]!)));
    expect(responses.every((r) => [200, 401, 403, 409].includes(r.statusCode))).toBe(true);
    const active = await Promise.all(ring.map((admin) => activeAdmin(admin.id)));
    expect(active.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    // Every admin left active demoted their neighbour (their own change committed), and every
    // demoted admin's demoter succeeded: the outcome is exactly the set of committed changes.
    for (let i = 0; i < 40; i += 1) {
      expect(active[(i + 1) % 40]).toBe(responses[i]!.statusCode !== 200);
    }
  });

  it('40 requests on one pair (20 each way, at once): all 20 of one side win, all 20 of the other lose', async () => {
    const [a, b] = await admins(2);
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? demote(a!, b!) : demote(b!, a!))));
    const fromA = responses.filter((_, i) => i % 2 === 0).map((r) => r.statusCode);
    const fromB = responses.filter((_, i) => i % 2 === 1).map((r) => r.statusCode);
    const aWon = await activeAdmin(a!.id);
    expect(aWon).toBe(!(await activeAdmin(b!.id)));
    const [winner, loser] = aWon ? [fromA, fromB] : [fromB, fromA];
    expect(winner).toEqual(Array(20).fill(200));
    expect(loser.every((status) => status === 403 || status === 409)).toBe(true);
  });
});

describe('token answers (item 6)', () => {
  it('register, login, refresh and a password change answer with Cache-Control: no-store', async () => {
    const email = unique('nostore');
    const registered = await register(email);
    const signedIn = await login(email);
    const refreshed = await refresh(signedIn.body.refreshToken);
    const changed = await updateMe(refreshed.body.accessToken, { currentPassword: 'correct horse', newPassword: 'another password' });
    for (const response of [registered, signedIn, refreshed, changed]) {
      expect(response.body.accessToken).toEqual(expect.any(String));
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });
});
