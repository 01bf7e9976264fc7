import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TooManyRequestsError } from '../../shared/errors.js';
import { consumeRateLimit, hashRateLimitKey, normalizeIp, rateLimitItemKey, windowStartOf } from '../../shared/rate-limit.js';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

const minute = Date.UTC(2030, 0, 1, 12, 34); // a window start
const options = { key: 'contact:ip:203.0.113.7', limit: 5, windowSeconds: 60 };

describe('consumeRateLimit', () => {
  it('counts with one atomic ADD on the key of the current window, never reading first', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
    const result = await consumeRateLimit({ ...options, now: minute + 12_345 });
    expect(result).toEqual({ count: 1, remaining: 4, resetAt: minute + 60_000 });

    expect(ddb.calls()).toHaveLength(1);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: `RATE#${hashRateLimitKey(options.key)}#${minute / 1000}`, sk: 'RATE' });
    expect(input.UpdateExpression).toMatch(/^ADD hits :one\b/);
    expect(input.ExpressionAttributeValues![':one']).toBe(1);
    expect(input.ReturnValues).toBe('UPDATED_NEW');
    expect(input.ConditionExpression).toBeUndefined();
    // ttl is for garbage collection only: after the window's end.
    expect(input.ExpressionAttributeValues![':ttl']).toBeGreaterThan((minute + 60_000) / 1000);
  });

  it('never stores the raw key (an IP address is personal data)', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
    await consumeRateLimit({ ...options, now: minute });
    const stored = JSON.stringify(ddb.commandCalls(UpdateCommand)[0]!.args[0].input);
    expect(stored).not.toContain('203.0.113.7');
    expect(rateLimitItemKey('a', minute).pk).not.toBe(rateLimitItemKey('b', minute).pk);
    expect(rateLimitItemKey('a', minute).pk).not.toBe(rateLimitItemKey('a', minute + 60_000).pk);
  });

  it('allows the limit-th attempt and throws 429 with Retry-After = seconds to the window end after it', async () => {
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: { hits: 5 } }).resolves({ Attributes: { hits: 6 } });
    await expect(consumeRateLimit({ ...options, now: minute + 45_500 })).resolves.toMatchObject({ count: 5, remaining: 0 });
    const error = await consumeRateLimit({ ...options, now: minute + 45_500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    const tooMany = error as TooManyRequestsError;
    expect(tooMany.status).toBe(429);
    expect(tooMany.code).toBe('TOO_MANY_REQUESTS');
    expect(tooMany.headers['retry-after']).toBe('15'); // 14.5 s left, rounded up
    expect(tooMany.details).toEqual({ retryAfterSeconds: 15 });
    // Nothing but the counter is touched.
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('Retry-After is at least 1 second and at most the window', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 99 } });
    const atEnd = (await consumeRateLimit({ ...options, now: minute + 59_999 }).catch((e: TooManyRequestsError) => e)) as TooManyRequestsError;
    expect(atEnd.headers['retry-after']).toBe('1');
    const atStart = (await consumeRateLimit({ ...options, now: minute }).catch((e: TooManyRequestsError) => e)) as TooManyRequestsError;
    expect(atStart.headers['retry-after']).toBe('60');
  });

  it('propagates DynamoDB failures instead of letting the request through', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));
    await expect(consumeRateLimit({ ...options, now: minute })).rejects.toThrow('throttled');
    ddb.reset();
    ddb.on(UpdateCommand).resolves({});
    await expect(consumeRateLimit({ ...options, now: minute })).rejects.toThrow(/no count/);
  });

  it('aligns windows to the epoch', () => {
    expect(windowStartOf(minute + 59_999, 60)).toBe(minute);
    expect(windowStartOf(minute + 60_000, 60)).toBe(minute + 60_000);
    expect(windowStartOf(minute + 1, 3600)).toBe(Date.UTC(2030, 0, 1, 12));
  });
});

describe('normalizeIp', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6', () => {
    expect(normalizeIp('203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeIp(' 203.0.113.7 ')).toBe('203.0.113.7');
    expect(normalizeIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeIp('::FFFF:cb00:7107')).toBe('203.0.113.7');
  });

  it('reduces IPv6 to its /64, whatever the notation', () => {
    const expected = '2001:db8:85a3:0::/64';
    expect(normalizeIp('2001:db8:85a3::8a2e:370:7334')).toBe(expected);
    expect(normalizeIp('2001:0DB8:85A3:0000:ffff:ffff:ffff:ffff')).toBe(expected);
    expect(normalizeIp('2001:db8:85a3:0:0:0:0:1%eth0')).toBe(expected);
    expect(normalizeIp('2001:db8:85a3:1::1')).not.toBe(expected);
    expect(normalizeIp('::1')).toBe('0:0:0:0::/64');
    expect(normalizeIp('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('gives missing or odd values a bucket of their own', () => {
    expect(normalizeIp(undefined)).toBe('unknown');
    expect(normalizeIp('')).toBe('unknown');
    expect(normalizeIp('Not-An-IP')).toBe('not-an-ip');
  });
});
