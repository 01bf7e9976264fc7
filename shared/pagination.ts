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

type Item = Record<string, unknown>;

export interface ShardedQuery {
  readonly index: 'gsi1' | 'gsi2';
  /** Every shard of the list (`allShards(base)`). */
  readonly partitions: readonly string[];
  /** Inclusive sort-key bounds. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly descending: boolean;
  readonly filter?: { readonly expression: string; readonly names?: Record<string, string>; readonly values?: Record<string, unknown> };
  readonly limit: number;
  readonly cursor: string | undefined;
  /** What the cursor belongs to: a cursor of another query is a 400. */
  readonly scope: string;
  /** Bound on Query calls for one page (filters): the page may then be short, with a cursor. */
  readonly maxReads?: number;
}

interface ShardState {
  readonly partition: string;
  buffer: Item[];
  startKey: Item | undefined;
  exhausted: boolean;
  /** The last sort key this shard's reads reached (everything before it, in page order, was read). */
  reached: string | undefined;
}

/** Which of two sort keys comes first in the page's order. */
const before = (descending: boolean) => (a: string, b: string) => (descending ? a > b : a < b);

/**
 * One page of a list spread over shards, in sort-key order, with no duplicates or gaps across
 * pages. Each shard is read in steps sized to its share of the page; a shard whose buffered
 * items run out is read again before anything after its position is returned.
 */
export async function queryShards(input: ShardedQuery): Promise<Page<Item>> {
  const sortKey = `${input.index}sk`;
  const sk = (item: Item) => item[sortKey] as string;
  const first = before(input.descending);
  const after = decodeCursor(input.cursor, input.scope)?.after as string | undefined;
  // The cursor's key is the last one returned: read from it inclusively, then drop it.
  const lower = input.descending ? input.from : (after ?? input.from);
  const upper = input.descending ? (after ?? input.to) : input.to;
  const condition =
    lower !== undefined && upper !== undefined ? ` AND ${sortKey} BETWEEN :lower AND :upper`
    : lower !== undefined ? ` AND ${sortKey} >= :lower`
    : upper !== undefined ? ` AND ${sortKey} <= :upper`
    : '';
  const filtered = input.filter !== undefined;
  const maxReads = input.maxReads ?? input.partitions.length * (filtered ? 3 : 4);
  const states: ShardState[] = input.partitions.map((partition) => ({ partition, buffer: [], startKey: undefined, exhausted: false, reached: undefined }));
  let reads = 0;
  let scanned = 0;

  const read = async (state: ShardState, size: number) => {
    const result = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: input.index,
        KeyConditionExpression: `${input.index}pk = :partition${condition}`,
        ...(input.filter ? { FilterExpression: input.filter.expression } : {}),
        ...(input.filter?.names ? { ExpressionAttributeNames: input.filter.names } : {}),
        ExpressionAttributeValues: {
          ':partition': state.partition,
          ...(lower !== undefined ? { ':lower': lower } : {}),
          ...(upper !== undefined ? { ':upper': upper } : {}),
          ...input.filter?.values,
        },
        ScanIndexForward: !input.descending,
        Limit: size,
        ExclusiveStartKey: state.startKey,
      }),
    );
    reads += 1;
    scanned += result.ScannedCount ?? 0;
    state.buffer.push(...(result.Items ?? []).filter((item) => sk(item) !== after));
    state.startKey = result.LastEvaluatedKey;
    state.exhausted = !result.LastEvaluatedKey;
    if (result.LastEvaluatedKey) state.reached = result.LastEvaluatedKey[sortKey] as string;
  };

  // A shard's share of the page, with room for the page's uneven spread (filters: more).
  const share = Math.ceil((input.limit + 1) / input.partitions.length);
  const stepSize = filtered ? Math.min(1000, share * 4 + 4) : share + 2;
  await Promise.all(states.map((state) => read(state, stepSize)));

  const out: Item[] = [];
  let stoppedEarly = false;
  while (out.length <= input.limit) {
    const blocked = states.filter((state) => state.buffer.length === 0 && !state.exhausted);
    if (blocked.length > 0) {
      if (reads + blocked.length > maxReads) {
        stoppedEarly = true;
        break;
      }
      await Promise.all(blocked.map((state) => read(state, Math.max(stepSize, input.limit + 1 - out.length))));
      continue;
    }
    let next: ShardState | undefined;
    for (const state of states) if (state.buffer.length > 0 && (!next || first(sk(state.buffer[0]!), sk(next.buffer[0]!)))) next = state;
    if (!next) break;
    out.push(next.buffer.shift()!);
  }

  if (stoppedEarly) {
    // The read bound stopped a filtered page. Every shard was read up to its own position, so
    // all items up to the least advanced position are known: those buffered are returned too,
    // and the next page starts after that position.
    const safe = states
      .filter((state) => !state.exhausted)
      .map((state) => state.reached!)
      .reduce((least, key) => (first(key, least) ? key : least));
    for (const state of states) {
      while (state.buffer.length > 0 && !first(safe, sk(state.buffer[0]!))) out.push(state.buffer.shift()!);
    }
    out.sort((a, b) => (first(sk(a), sk(b)) ? -1 : 1));
    if (out.length <= input.limit) return { items: out, nextCursor: encodeCursor({ after: safe }, input.scope), reads, scanned };
  }
  if (out.length > input.limit) {
    const page = out.slice(0, input.limit);
    return { items: page, nextCursor: encodeCursor({ after: sk(page.at(-1)!) }, input.scope), reads, scanned };
  }
  return { items: out, nextCursor: null, reads, scanned };
}
