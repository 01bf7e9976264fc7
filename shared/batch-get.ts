import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './clients/dynamodb.js';

type Key = { pk: string; sk: string };

/**
 * BatchGetItem for up to 100 keys, retrying unprocessed keys, returning the items in the order
 * of `keys` (missing items left out) and the number of calls made. `consistent`: a strongly
 * consistent read (authentication joins product reads this way: shared/auth/pending-session.ts).
 */
export async function batchGetInOrder(keys: readonly Key[], projection?: readonly string[], options: { consistent?: boolean } = {}): Promise<{ items: Record<string, unknown>[]; calls: number }> {
  if (keys.length === 0) return { items: [], calls: 0 };
  // The keys are always read back: they match items to `keys`.
  const names = projection && Object.fromEntries(['pk', 'sk', ...projection].map((name, i) => [`#p${i}`, name]));
  const projected = names ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } : {};
  const found = new Map<string, Record<string, unknown>>();
  let pending: Record<string, unknown>[] | undefined = [...keys];
  let calls = 0;
  for (let attempt = 0; pending && pending.length > 0 && attempt < 5; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    const result: BatchGetCommandOutput = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ...projected, ...(options.consistent ? { ConsistentRead: true } : {}) } } }));
    calls += 1;
    for (const item of result.Responses?.[tableName] ?? []) found.set(`${item.pk}|${item.sk}`, item);
    pending = result.UnprocessedKeys?.[tableName]?.Keys;
  }
  if (pending && pending.length > 0) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
  return { items: keys.flatMap((key) => { const item = found.get(`${key.pk}|${key.sk}`); return item ? [item] : []; }), calls };
}
