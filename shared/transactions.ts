import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { db, tableName } from './clients/dynamodb.js';
import { AppError } from './errors.js';
import { countMetric } from './metrics.js';

export class ServiceBusyError extends AppError {
  readonly status = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor() {
    super('Too many concurrent changes to the same items; please retry', {}, { 'retry-after': '1' });
  }
}

/**
 * Conflicts seen by this container (benchmarks read them). Each retry also counts the metric
 * TransactionConflictRetried; 503s are counted where they reach a client (ServiceBusy503, in
 * the HTTP pipeline), since some callers catch ServiceBusyError and try again.
 */
export const transactionConflicts = { retried: 0, exhausted: 0 };

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/**
 * Adds one to a counter attribute if it stays within `limit` (a missing counter counts as 0):
 * the customer's unpaid orders, a cart's lines. Its condition failing is the cap reached.
 */
export const countUpToItem = (key: { pk: string; sk: string }, attribute: string, limit: number): TransactItems[number] => ({
  Update: {
    TableName: tableName,
    Key: key,
    UpdateExpression: `ADD #${attribute} :one`,
    ConditionExpression: `attribute_not_exists(#${attribute}) OR #${attribute} < :limit`,
    ExpressionAttributeNames: { [`#${attribute}`]: attribute },
    ExpressionAttributeValues: { ':one': 1, ':limit': limit },
  },
});

/** The outcome of a cancelled transaction: the reason code per item, and the old item where asked. */
export class TransactionCancelled extends Error {
  override readonly name = 'TransactionCancelled';
  constructor(readonly reasons: readonly CancellationReason[]) {
    super(`transaction cancelled: ${reasons.map((r) => r.Code ?? 'None').join(',')}`);
  }
  failedAt(index: number): boolean {
    return this.reasons[index]?.Code === 'ConditionalCheckFailed';
  }
  /** The item as it was, for items written with ReturnValuesOnConditionCheckFailure ALL_OLD (wire format). */
  oldItem(index: number): Record<string, { S?: string; N?: string; BOOL?: boolean } | undefined> | undefined {
    return this.reasons[index]?.Item as never;
  }
}

/**
 * Exponential backoff with full jitter before retry `attempt` (1, 2, …): a random wait up to
 * 10 ms × 2^attempt, capped at 500 ms, so buyers of one hot product spread out instead of
 * colliding again in step.
 */
export const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 10 * 2 ** attempt)));

/**
 * A transaction that keeps conflicting answers 503 after this many attempts or once this much
 * time has passed, whichever comes first (the functions' timeout is 10 s). Only buyers of one
 * hot product conflict (no item is shared by unrelated orders): a flash sale's buyers wait
 * their turn on it for up to this long instead of being turned away after a second.
 */
export const TRANSACTION_ATTEMPTS = 20;
export const TRANSACTION_RETRY_BUDGET_MS = 6_000;

export interface TransactWriteOptions {
  /** Fewer attempts than TRANSACTION_ATTEMPTS (tests). */
  readonly attempts?: number;
  /**
   * Runs before every other retry after a conflict (the 2nd, 4th, …) and before giving up with
   * 503, and may throw to answer otherwise: a checkout that conflicts on a sold-out product
   * reads its stock and answers 409 rather than queueing for an item it cannot have.
   */
  readonly beforeRetry?: () => Promise<void>;
}

/** Runs a `beforeRetry` check: an answer it throws (409, 404) ends the retries; a failed check (a throttled read) does not. */
async function answerInstead(check: (() => Promise<void>) | undefined): Promise<void> {
  try {
    await check?.();
  } catch (error) {
    if (error instanceof AppError) throw error;
  }
}

/**
 * TransactWriteItems with bounded retries (with jitter) on transaction conflicts, which are
 * about concurrency, not about the data. A condition failure is returned to the caller as
 * TransactionCancelled with the per-item reasons; after the retries, 503.
 */
export async function transactWrite(items: TransactItems, options: TransactWriteOptions = {}): Promise<void> {
  const attempts = options.attempts ?? TRANSACTION_ATTEMPTS;
  const deadline = Date.now() + TRANSACTION_RETRY_BUDGET_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
      const reasons = ((error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []);
      const conflictOnly = reasons.some((r) => r.Code === 'TransactionConflict') && !reasons.some((r) => r.Code === 'ConditionalCheckFailed');
      if (!conflictOnly) throw new TransactionCancelled(reasons);
      if (attempt >= attempts || Date.now() >= deadline) {
        transactionConflicts.exhausted += 1;
        // A sold-out product is a 409, however long its buyers have been queueing.
        await answerInstead(options.beforeRetry);
        throw new ServiceBusyError();
      }
      transactionConflicts.retried += 1;
      countMetric('TransactionConflictRetried');
      // Every other retry from the second on: enough to stop queueing soon after a sell-out,
      // without a read per retry from every waiting buyer on the hot item's partition.
      if (attempt % 2 === 0) await answerInstead(options.beforeRetry);
      await backoff(attempt);
    }
  }
}

/**
 * A single-item write (PutItem, UpdateItem, DeleteItem) on an item that transactions also
 * write: DynamoDB answers TransactionConflictException while one of them is in flight. Retried
 * like a conflicting transaction, then 503.
 */
export async function writeRetryingConflicts<T>(write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + TRANSACTION_RETRY_BUDGET_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'TransactionConflictException') throw error;
      if (attempt >= TRANSACTION_ATTEMPTS || Date.now() >= deadline) {
        transactionConflicts.exhausted += 1;
        throw new ServiceBusyError();
      }
      transactionConflicts.retried += 1;
      countMetric('TransactionConflictRetried');
      await backoff(attempt);
    }
  }
}
