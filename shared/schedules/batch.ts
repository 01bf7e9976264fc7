/**
 * Small building blocks of the schedule jobs: a bounded, paged Query (never a Scan), a
 * bounded-concurrency map, and the per-run counters every job logs.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { db } from '../clients/dynamodb.js';

export interface BoundedQueryResult {
  readonly items: Record<string, unknown>[];
  /** Query calls made. */
  readonly reads: number;
  /** True when the bound stopped the read before the key range was exhausted. */
  readonly more: boolean;
}

/**
 * Reads a key range page by page until it ends or `maxItems` items have come back. With a
 * FilterExpression, `Limit` bounds what each call reads and `maxItems` what the job handles.
 */
export async function queryBounded(input: QueryCommandInput, maxItems: number, pageSize = 250): Promise<BoundedQueryResult> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  let reads = 0;
  do {
    const page = await db.send(
      new QueryCommand({ ...input, Limit: Math.min(pageSize, maxItems - items.length), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    reads += 1;
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < maxItems);
  return { items: items.slice(0, maxItems), reads, more: startKey !== undefined };
}

/**
 * `queryBounded` over every shard of a write-sharded list (shared/write-shards.ts), in
 * parallel, each shard bounded to its share of `maxItems`.
 */
export async function queryShardsBounded(
  partitions: readonly string[],
  input: (partition: string) => QueryCommandInput,
  maxItems: number,
): Promise<BoundedQueryResult> {
  const perShard = Math.ceil(maxItems / partitions.length);
  const results = await Promise.all(partitions.map((partition) => queryBounded(input(partition), perShard)));
  const items = results.flatMap((result) => result.items);
  return {
    items: items.slice(0, maxItems),
    reads: results.reduce((sum, result) => sum + result.reads, 0),
    more: items.length > maxItems || results.some((result) => result.more),
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Splits work into lanes such that items in different lanes share no key (items sharing a
 * key, directly or through others, land in one lane). Running lanes in parallel and each lane
 * in order means a job never sends two transactions on the same item at once: on DynamoDB
 * those conflict (TransactionConflict), and a hot product whose 300 holds expire in the same
 * minute would otherwise exhaust the conflict retries.
 */
export function conflictFreeLanes<T>(items: readonly T[], keysOf: (item: T) => readonly string[]): T[][] {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let node = key; node !== root; ) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const lanes = new Map<string, T[]>();
  const itemKeys = items.map((item, index) => {
    const keys = keysOf(item);
    return keys.length > 0 ? keys : [`\u0000item#${index}`];
  });
  for (const keys of itemKeys) {
    for (const key of keys) if (!parent.has(key)) parent.set(key, key);
    for (const key of keys.slice(1)) {
      const a = find(keys[0]!);
      const b = find(key);
      if (a !== b) parent.set(b, a);
    }
  }
  items.forEach((item, index) => {
    const root = find(itemKeys[index]![0]!);
    const lane = lanes.get(root);
    if (lane) lane.push(item);
    else lanes.set(root, [item]);
  });
  return [...lanes.values()];
}

/** Runs each lane's items one after another, up to `limit` lanes at once. */
export async function forEachInLanes<T>(lanes: readonly T[][], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  await mapLimit(lanes, limit, async (lane) => {
    for (const item of lane) await fn(item);
  });
}

/** Parallel calls per run: enough to finish 1,000 items in seconds, few enough not to throttle. */
export const JOB_CONCURRENCY = 10;

/** ISO time `ms` before `now` (gsi2 order sort keys start with the ISO `createdAt`). */
export const isoBefore = (now: number, ms: number) => new Date(now - ms).toISOString();
