/**
 * Per-account login lockout: 5 failures within 15 minutes lock the account for 15 minutes.
 * Keyed by the normalised email whether or not an account exists, so unknown emails behave
 * exactly like real ones.
 *
 *   pk LOGIN#<email> sk FAILURES {failures, windowStartedAt, lockedUntil}  (epoch ms)
 *
 * Counting is an atomic ADD inside the current window; a new window is started by a
 * conditional put, so parallel failures are all counted.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { TooManyRequestsError } from '../errors.js';

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;
export const LOCK_MS = 15 * 60 * 1000;

const lockoutKey = (email: string) => ({ pk: `LOGIN#${email}`, sk: 'FAILURES' });
const gcTtl = (now: number) => Math.ceil((now + WINDOW_MS + LOCK_MS) / 1000) + 3600;

export async function assertNotLocked(email: string, now = Date.now()): Promise<void> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: lockoutKey(email), ConsistentRead: true }));
  const lockedUntil = (Item?.lockedUntil as number | undefined) ?? 0;
  if (lockedUntil > now) {
    throw new TooManyRequestsError('Too many failed sign-in attempts; try again later', (lockedUntil - now) / 1000);
  }
}

/** Counts one failure; returns the failures in the current window. */
export async function recordLoginFailure(email: string, now = Date.now()): Promise<number> {
  const cutoff = now - WINDOW_MS;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: lockoutKey(email),
          UpdateExpression: 'ADD failures :one',
          ConditionExpression: 'windowStartedAt > :cutoff',
          ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const failures = Attributes?.failures as number;
      if (failures >= MAX_FAILURES) await lock(email, now);
      return failures;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    try {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...lockoutKey(email), type: 'loginFailures', failures: 1, windowStartedAt: now, lockedUntil: 0, ttl: gcTtl(now) },
          ConditionExpression: 'attribute_not_exists(pk) OR windowStartedAt <= :cutoff',
          ExpressionAttributeValues: { ':cutoff': cutoff },
        }),
      );
      return 1;
    } catch (error) {
      // Someone else opened the window a moment ago: count into it.
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new Error('could not record login failure after 3 attempts');
}

async function lock(email: string, now: number): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: lockoutKey(email),
      UpdateExpression: 'SET lockedUntil = :until, #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':until': now + LOCK_MS, ':ttl': gcTtl(now) },
    }),
  );
}

export async function clearLoginFailures(email: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: lockoutKey(email) }));
}
