/**
 * Issue 11, accounts: the lockout under parallel bursts, sessions ended by password changes
 * and disabling, reset links, abuse limits and "always an admin", against the emulators
 * (DynamoDB behind the conflict-faithful proxy). Handlers are called as Lambda would call them,
 * in real parallel bursts, with exact expected outcomes.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../infra/routes.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';
import { createTestQueue } from '../support/test-queue.js';

let h: {
  register: typeof import('../../functions/auth/register.js').handler;
  login: typeof import('../../functions/auth/login.js').handler;
  refresh: typeof import('../../functions/auth/refresh.js').handler;
  getMe: typeof import('../../functions/me/get.js').handler;
};

beforeAll(async () => {
  const queue = await createTestQueue('account-hardening-it');
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  h = {
    register: (await import('../../functions/auth/register.js')).handler,
    login: (await import('../../functions/auth/login.js')).handler,
    refresh: (await import('../../functions/auth/refresh.js')).handler,
    getMe: (await import('../../functions/me/get.js')).handler,
  };
});

afterEach(() => vi.useRealTimers());

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const register = (email: string, password = 'correct horse') =>
  invoke(h.register, apiEvent(routes.register, { body: { email, password, name: 'Test User' } }));
const login = (email: string, password = 'correct horse') => invoke(h.login, apiEvent(routes.login, { body: { email, password } }));
const me = (token: string) => invoke(h.getMe, apiEvent(routes.getMe, { token }));
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
