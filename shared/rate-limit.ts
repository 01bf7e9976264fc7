/**
 * Fixed-window rate limiting on the single table, for any caller identity (an IP, an email).
 *
 *   counter  pk RATE#<hashed key>#<window start, epoch s>  sk RATE  {hits, ttl}
 *
 * One atomic `UpdateItem ADD hits :one` per attempt with ReturnValues UPDATED_NEW: the new
 * count decides, so parallel requests can never all slip through (no read-then-write). The
 * window is part of the key, so a new window is simply a new item: nothing has to be reset,
 * and `ttl` only lets DynamoDB garbage-collect old counters; it is never read.
 *
 * Semantics: at most `limit` attempts are accepted per key in each window of `windowSeconds`,
 * windows aligned to the epoch (e.g. whole minutes). Rejected attempts are counted too, but a
 * fixed window still ends on time, so hammering does not extend the block. Like every fixed
 * window, a client can get up to 2 × limit through around a boundary (end of one window,
 * start of the next); that is the accepted price of one write per attempt.
 *
 * Keys are HMAC'd with a key derived from the configured secret: raw IPs or emails never
 * land in the table (a plain hash of an IPv4 address is reversible by brute force), and any
 * characters a caller passes are safe in the partition key.
 */
import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { deriveKey } from './auth/keys.js';
import { db, tableName } from './clients/dynamodb.js';
import { TooManyRequestsError } from './errors.js';

/** Counters outlive their window by this much before TTL may collect them (GC only). */
const GC_GRACE_SECONDS = 3600;

const hmacKey = deriveKey('rate-limit');

/** Identifier for the partition key: keyed hash, base64url, 128 bits. */
export const hashRateLimitKey = (key: string): string =>
  createHmac('sha256', hmacKey).update(key).digest('base64url').slice(0, 22);

export const windowStartOf = (now: number, windowSeconds: number): number =>
  Math.floor(now / (windowSeconds * 1000)) * windowSeconds * 1000;

/** The counter item of `key` in the window that contains `now`. */
export const rateLimitItemKey = (key: string, windowStartMs: number) => ({
  pk: `RATE#${hashRateLimitKey(key)}#${Math.floor(windowStartMs / 1000)}`,
  sk: 'RATE',
});

export interface RateLimitInput {
  /** Who is limited, including what for: `contact:ip:203.0.113.7`. Hashed before storage. */
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Epoch ms; injectable for tests. */
  readonly now?: number;
  /** Message of the 429. */
  readonly message?: string;
}

export interface RateLimitResult {
  /** Attempts counted in this window, this one included. */
  readonly count: number;
  readonly remaining: number;
  /** Epoch ms at which the current window ends. */
  readonly resetAt: number;
}

/**
 * Counts one attempt; throws TooManyRequestsError (429, `Retry-After` = seconds to the end of
 * the window) when it is over the limit. Call it before doing the limited work.
 */
export async function consumeRateLimit(input: RateLimitInput): Promise<RateLimitResult> {
  const { key, limit, windowSeconds } = input;
  const now = input.now ?? Date.now();
  const windowStart = windowStartOf(now, windowSeconds);
  const resetAt = windowStart + windowSeconds * 1000;
  const { Attributes } = await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: rateLimitItemKey(key, windowStart),
      UpdateExpression: 'ADD hits :one SET #type = :type, #ttl = :ttl',
      ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':type': 'rateLimit', ':ttl': Math.ceil(resetAt / 1000) + GC_GRACE_SECONDS },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const count = Number(Attributes?.hits);
  if (!Number.isFinite(count)) throw new Error('rate limit counter returned no count');
  if (count > limit) {
    throw new TooManyRequestsError(input.message ?? 'Too many requests; try again later', (resetAt - now) / 1000);
  }
  return { count, remaining: limit - count, resetAt };
}

/**
 * One client, one bucket: trims and lower-cases, unwraps IPv4-mapped IPv6 (`::ffff:1.2.3.4`
 * is 1.2.3.4), and reduces IPv6 to its /64 prefix, because one subscriber usually holds a
 * whole /64 and could otherwise rotate through 2^64 addresses. Anything unparseable is kept
 * as given (lower-cased), so it still gets a bucket of its own.
 */
export function normalizeIp(raw: string | undefined): string {
  const ip = (raw ?? '').trim().toLowerCase().replace(/%.*$/, '');
  if (ip === '') return 'unknown';
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  const groups = expandIPv6(ip);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** Eight 16-bit groups of a valid IPv6 address (`::` and a dotted IPv4 tail expanded). */
function expandIPv6(ip: string): number[] {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
