/**
 * Issue 11 item 4: abuse limits per IP and per email (or account) on register, login, forgot and reset, and
 * per user on PATCH /me's currentPassword check, configured through the environment (small
 * values here; production defaults in shared/auth/abuse-limits.ts). Bursts of 40 parallel
 * requests; the clock is frozen mid-window so the fixed windows can't roll over mid-test.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../infra/routes.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';
import { createTestQueue } from '../support/test-queue.js';

const DAY = 86_400;
Object.assign(process.env, {
  RATE_LIMIT_REGISTER_PER_IP: `3/${DAY}`,
  RATE_LIMIT_REGISTER_PER_EMAIL: `2/${DAY}`,
  RATE_LIMIT_LOGIN_PER_IP: `4/${DAY}`,
  RATE_LIMIT_FORGOT_PASSWORD_PER_IP: `3/${DAY}`,
  RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL: `2/${DAY}`,
  RATE_LIMIT_RESET_PASSWORD_PER_IP: `3/${DAY}`,
  RATE_LIMIT_RESET_PASSWORD_PER_ACCOUNT: `2/${DAY}`,
  RATE_LIMIT_PASSWORD_CHECK_PER_USER: `3/${DAY}`,
});

let h: {
  register: typeof import('../../functions/auth/register.js').handler;
  login: typeof import('../../functions/auth/login.js').handler;
  forgot: typeof import('../../functions/auth/forgot-password.js').handler;
  reset: typeof import('../../functions/auth/reset-password.js').handler;
  updateMe: typeof import('../../functions/me/update.js').handler;
};
let drainQueue: () => Promise<Message[]>;
/** 12:00 UTC today: every window of a day is half over, none ends during the run. */
const middayMs = Math.floor(Date.now() / (DAY * 1000)) * DAY * 1000 + (DAY * 1000) / 2;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(middayMs);
  const queue = await createTestQueue('abuse-limits-it');
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  drainQueue = queue.drain;
  h = {
    register: (await import('../../functions/auth/register.js')).handler,
    login: (await import('../../functions/auth/login.js')).handler,
    forgot: (await import('../../functions/auth/forgot-password.js')).handler,
    reset: (await import('../../functions/auth/reset-password.js')).handler,
    updateMe: (await import('../../functions/me/update.js')).handler,
  };
});
afterAll(() => vi.useRealTimers());

let ipCounter = 0;
const runTag = randomUUID().slice(0, 4);
/** A fresh documentation-range /64 per call (the limiter counts IPv6 per /64), so tests don't share buckets. */
const freshIp = () => `2001:db8:${runTag}:${(ipCounter += 1).toString(16)}::1`;
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const from = (sourceIp: string, event: ReturnType<typeof apiEvent>) => {
  event.requestContext.http.sourceIp = sourceIp;
  return event;
};
const register = (sourceIp: string, email: string, headers: Record<string, string> = {}) =>
  invoke(h.register, from(sourceIp, apiEvent(routes.register, { body: { email, password: 'correct horse', name: 'Limited' }, headers })));
const login = (sourceIp: string, email: string, password = 'wrong password') => invoke(h.login, from(sourceIp, apiEvent(routes.login, { body: { email, password } })));
const forgot = (sourceIp: string, email: string) => invoke(h.forgot, from(sourceIp, apiEvent(routes.forgotPassword, { body: { email } })));
const statusCounts = (responses: readonly ParsedResponse[]) =>
  responses.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.statusCode]: (counts[r.statusCode] ?? 0) + 1 }), {});
const expectLimited = (responses: readonly ParsedResponse[]) => {
  for (const r of responses.filter((x) => x.statusCode === 429)) {
    expect(r.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(r.headers['retry-after']).toBe(String(DAY / 2));
  }
};

describe('register', () => {
  it('per IP: 40 parallel sign-ups from one address, 3 accounts, 37 × 429 with Retry-After; X-Forwarded-For changes nothing', async () => {
    const ip = freshIp();
    const responses = await Promise.all(Array.from({ length: 40 }, () => register(ip, unique('ip'))));
    expect(statusCounts(responses)).toEqual({ 201: 3, 429: 37 });
    expectLimited(responses);
    // A spoofed forwarding header is not the client's address: still limited.
    expect((await register(ip, unique('spoof'), { 'x-forwarded-for': freshIp() })).statusCode).toBe(429);
    expect((await register(freshIp(), unique('other-ip'))).statusCode).toBe(201);
  });

  it('per email: 40 parallel sign-ups of one email from 40 addresses: one 201, one 409, 38 × 429', async () => {
    const email = unique('email');
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => register(freshIp(), i % 2 ? email : email.toUpperCase())));
    expect(statusCounts(responses)).toEqual({ 201: 1, 409: 1, 429: 38 });
    expectLimited(responses);
  });
});

describe('login', () => {
  it('per IP: 40 parallel sign-ins for 40 emails from one address: 4 checks, 36 × 429', async () => {
    const ip = freshIp();
    const responses = await Promise.all(Array.from({ length: 40 }, () => login(ip, unique('nobody'))));
    expect(statusCounts(responses)).toEqual({ 401: 4, 429: 36 });
    expectLimited(responses);
  });
});

describe('forgot password', () => {
  it('per email, the same for known and unknown emails: 40 parallel requests from 40 addresses, 2 × 202 and 38 × 429; 2 emails queued', async () => {
    const known = unique('known');
    expect((await register(freshIp(), known)).statusCode).toBe(201);
    await drainQueue();
    const unknown = unique('unknown');
    const [forKnown, forUnknown] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, () => forgot(freshIp(), known))),
      Promise.all(Array.from({ length: 40 }, () => forgot(freshIp(), unknown))),
    ]);
    expect(statusCounts(forKnown)).toEqual({ 202: 2, 429: 38 });
    expect(statusCounts(forUnknown)).toEqual({ 202: 2, 429: 38 });
    expectLimited(forKnown);
    const strip = (r: ParsedResponse) => ({ ...r.body?.error, requestId: undefined });
    expect(strip(forKnown.find((r) => r.statusCode === 429)!)).toEqual(strip(forUnknown.find((r) => r.statusCode === 429)!));
    // The route does the same work for both: one queued request each (the processor looks the email up).
    const queued = await drainQueue();
    expect(queued.filter((m) => m.Body!.includes(known))).toHaveLength(2);
    expect(queued.filter((m) => m.Body!.includes(unknown))).toHaveLength(2);
  });

  it('per IP: 3 requests, then 429 whatever the email', async () => {
    const ip = freshIp();
    const responses = await Promise.all(Array.from({ length: 40 }, () => forgot(ip, unique('any'))));
    expect(statusCounts(responses)).toEqual({ 202: 3, 429: 37 });
  });
});

describe('reset password', () => {
  it('per IP: 40 parallel guesses from one address, 3 × 400, 37 × 429', async () => {
    const ip = freshIp();
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => invoke(h.reset, from(ip, apiEvent(routes.resetPassword, { body: { token: randomUUID(), password: 'new password' } })))),
    );
    expect(statusCounts(responses)).toEqual({ 400: 3, 429: 37 });
    expectLimited(responses);
  });
  it('per account: 40 valid links of one account redeemed from 40 addresses: 2 reach bcrypt (one 204, one 400: the first reset voided the other link), 38 × 429', async () => {
    const email = unique('reset-account');
    expect((await register(freshIp(), email)).statusCode).toBe(201);
    const { issueResetLink } = await import('../../shared/auth/reset-links.js');
    const tokens = await Promise.all(Array.from({ length: 40 }, async () => new URL((await issueResetLink(email))!.resetUrl).searchParams.get('token')!));
    const responses = await Promise.all(
      tokens.map((token, i) => invoke(h.reset, from(freshIp(), apiEvent(routes.resetPassword, { body: { token, password: `new password ${i}` } })))),
    );
    expect(statusCounts(responses)).toEqual({ 204: 1, 400: 1, 429: 38 });
    expectLimited(responses);
  });
});

describe('PATCH /me currentPassword', () => {
  it('per user: 40 parallel wrong current passwords, 3 checks (401) and 37 × 429; a rename needs no check', async () => {
    const registered = await register(freshIp(), unique('me'));
    const token = registered.body.accessToken as string;
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => invoke(h.updateMe, apiEvent(routes.updateMe, { token, body: { currentPassword: 'guess', newPassword: 'new password' } }))),
    );
    expect(statusCounts(responses)).toEqual({ 401: 3, 429: 37 });
    expectLimited(responses);
    expect((await invoke(h.updateMe, apiEvent(routes.updateMe, { token, body: { name: 'Still me' } }))).statusCode).toBe(200);
    // Even the right password waits for the window now.
    const right = await invoke(h.updateMe, apiEvent(routes.updateMe, { token, body: { currentPassword: 'correct horse', newPassword: 'new password' } }));
    expect(right.statusCode).toBe(429);
  });
});
