import { createHmac, timingSafeEqual } from 'node:crypto';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { deriveKey } from './auth/keys.js';
import { db, tableName } from './clients/dynamodb.js';
import { BadRequestError } from './errors.js';

type Key = Record<string, unknown>;
const cursorKey = deriveKey('cursor');

const mac = (payload: string) => createHmac('sha256', cursorKey).update(payload).digest();

/**
 * Opaque, tamper-evident cursor: the last key plus the query it belongs to (`scope`),
 * signed. A modified cursor, or one replayed against another query, is a 400.
 */
export function encodeCursor(key: Key, scope: string): string {
  const payload = Buffer.from(JSON.stringify({ k: key, s: scope })).toString('base64url');
  return `${payload}.${mac(payload).toString('base64url')}`;
}

export function decodeCursor(cursor: string | undefined, scope: string): Key | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => new BadRequestError('The cursor is invalid', { field: 'cursor' });
  const [payload, signature, extra] = cursor.split('.');
  if (!payload || !signature || extra !== undefined) throw invalid();
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k?: unknown; s?: unknown };
  if (decoded.s !== scope || typeof decoded.k !== 'object' || decoded.k === null) throw invalid();
  return decoded.k as Key;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
  /** DynamoDB calls made; benchmarks and tests read it. */
  readonly reads: number;
  /** Items DynamoDB read (before filters) for this page. */
  readonly scanned: number;
}

/**
 * How many items to read next. Unfiltered: exactly what the page still needs. Filtered: what
 * it still needs divided by the match rate seen so far (+25 %), so a filter that drops a few
 * items (soft-deleted products) rarely needs a second call and a rare search term reads in
 * big steps. Capped at 1,000 items a call.
 */
export function nextReadSize(needed: number, matched: number, scanned: number, filtered: boolean): number {
  if (!filtered) return needed;
  const matchRate = scanned === 0 ? 0.8 : Math.max(matched / scanned, 0.02);
  return Math.min(1000, Math.max(needed, Math.ceil((needed / matchRate) * 1.25)));
}

/**
 * One page of a Query. Reads `limit + 1` to know whether more follow. With a
 * FilterExpression it keeps reading, sized by the match rate seen so far, but at most
 * `maxReads` times, so a rare match costs a bounded number of calls: such a page may hold
 * fewer than `limit` items and still have a next cursor.
 */
export async function queryPage(input: {
  query: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>;
  keyAttributes: readonly string[];
  limit: number;
  cursor: string | undefined;
  scope: string;
  maxReads?: number;
}): Promise<Page<Key>> {
  const { query, keyAttributes, limit, scope } = input;
  const filtered = query.FilterExpression !== undefined;
  const maxReads = filtered ? (input.maxReads ?? 5) : 1;
  let startKey = decodeCursor(input.cursor, scope);
  const items: Key[] = [];
  let reads = 0;
  let scanned = 0;
  while (reads < maxReads) {
    const readSize = nextReadSize(limit + 1 - items.length, items.length, scanned, filtered);
    const result = await db.send(new QueryCommand({ ...query, ExclusiveStartKey: startKey, Limit: readSize }));
    reads += 1;
    scanned += result.ScannedCount ?? 0;
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
    if (items.length > limit || !startKey) break;
  }
  const keyOf = (item: Key) => Object.fromEntries(keyAttributes.map((name) => [name, item[name]]));
  if (items.length > limit) {
    const page = items.slice(0, limit);
    return { items: page, nextCursor: encodeCursor(keyOf(page[page.length - 1]!), scope), reads, scanned };
  }
  return { items, nextCursor: startKey ? encodeCursor(startKey, scope) : null, reads, scanned };
}
