/**
 * Applies item changes from the table's stream to the daily counters, each change exactly
 * once. A chunk of changes commits in one transaction: the summed `ADD`s on the counter items
 * plus one marker per change (`COUNTED#<stream event id>`, written only if absent). A retried
 * batch (Lambda retries from the first failed record; a crash may replay a whole batch) finds
 * the markers of what already counted: those changes are dropped and the rest applied, so a
 * change never counts twice and never goes missing. Markers are garbage-collected by TTL after
 * the stream's 24-hour retention, when no record can come back.
 *
 * The counter items are written by this consumer only, about once per batch, instead of by
 * every checkout: that is what keeps orders from conflicting with each other.
 */
import { tableName } from '../clients/dynamodb.js';
import { TransactionCancelled, transactWrite, type TransactItems } from '../transactions.js';
import { counterIncrements, mergeIncrements, statsKey, type CounterIncrement } from './counters.js';

export interface ItemChange {
  /** Unique per stream record (the record's eventID). */
  readonly id: string;
  readonly keys: { pk?: unknown; sk?: unknown };
  readonly before: Record<string, unknown> | undefined;
  readonly after: Record<string, unknown> | undefined;
}

/** Markers + counter items must fit DynamoDB's 100 items a transaction: ≤ 2 counters per change. */
export const CHANGES_PER_TRANSACTION = 32;
const MARKER_RETENTION_SECONDS = 3 * 24 * 3600;

export const countedMarkerKey = (changeId: string) => ({ pk: `COUNTED#${changeId}`, sk: 'COUNTED' });

function addItem(increment: CounterIncrement): TransactItems[number] {
  const entries = Object.entries(increment.add);
  return {
    Update: {
      TableName: tableName,
      Key: statsKey(increment.day, increment.kind),
      UpdateExpression: `ADD ${entries.map((_, i) => `#a${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#a${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
    },
  };
}

/** The changes that move a counter, with what each adds. */
function countingChanges(changes: readonly ItemChange[]) {
  return changes.flatMap((change) => {
    const increments = counterIncrements(change);
    return increments.length > 0 ? [{ change, increments }] : [];
  });
}

/**
 * Applies one chunk (≤ CHANGES_PER_TRANSACTION counting changes) exactly once. Returns how many
 * changes counted now and how many had counted before.
 */
async function applyChunk(chunk: ReturnType<typeof countingChanges>, now: number): Promise<{ applied: number; duplicates: number }> {
  let pending = chunk;
  let duplicates = 0;
  while (pending.length > 0) {
    const markers: TransactItems = pending.map(({ change }) => ({
      Put: {
        TableName: tableName,
        Item: { ...countedMarkerKey(change.id), type: 'countedChange', ttl: Math.floor(now / 1000) + MARKER_RETENTION_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    const counters = mergeIncrements(pending.flatMap(({ increments }) => increments)).map(addItem);
    try {
      await transactWrite([...markers, ...counters]);
      return { applied: pending.length, duplicates };
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
      const counted = new Set(pending.flatMap((_, i) => (error.failedAt(i) ? [i] : [])));
      if (counted.size === 0) throw error;
      duplicates += counted.size;
      pending = pending.filter((_, i) => !counted.has(i));
    }
  }
  return { applied: 0, duplicates };
}

/**
 * Applies changes in order, chunk by chunk. On a failure, returns the first change not known
 * to be applied (the caller reports it so the batch resumes there).
 */
export async function applyCounterChanges(
  changes: readonly ItemChange[],
  now = Date.now(),
): Promise<{ applied: number; duplicates: number; ignored: number; failedFrom?: ItemChange; error?: unknown }> {
  const counting = countingChanges(changes);
  const result = { applied: 0, duplicates: 0, ignored: changes.length - counting.length };
  for (let start = 0; start < counting.length; start += CHANGES_PER_TRANSACTION) {
    const chunk = counting.slice(start, start + CHANGES_PER_TRANSACTION);
    try {
      const outcome = await applyChunk(chunk, now);
      result.applied += outcome.applied;
      result.duplicates += outcome.duplicates;
    } catch (error) {
      return { ...result, failedFrom: chunk[0]!.change, error };
    }
  }
  return result;
}
