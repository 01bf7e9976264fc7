/**
 * Per-account login lockout: at most MAX_ATTEMPTS password checks per email in a window of
 * WINDOW_MS, whatever the concurrency. Keyed by the normalised email whether or not an
 * account exists, so unknown emails behave exactly like real ones.
 *
 *   pk LOGIN#<email> sk ATTEMPTS {windowStartedAt (epoch ms), attempts, ttl}
 *
 * Every attempt claims a slot atomically *before* bcrypt runs:
 *   1. `ADD attempts 1` conditioned on the window being open and `attempts < MAX` → claimed;
 *   2. else, if the window is over (or there is none), a write that sets the whole item anew
 *      (`windowStartedAt = now, attempts = 1`) conditioned on exactly that → claimed;
 *   3. else the window is full → 429 with `Retry-After` = seconds to the end of the window.
 * A failed check keeps its slot (nothing more to write). A successful one deletes the item,
 * conditioned on it still being the window it claimed in, so "a success clears the failures".
 * Every write either sets both attributes or requires both to exist, so no interleaving can
 * leave a half-written item; `ttl` only collects garbage.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { readConfig } from '../config.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { TooManyRequestsError } from '../errors.js';

/** RATE_LIMIT_LOGIN_PER_ACCOUNT, `<checks>/<window seconds>`: 5 per 15 minutes unless set. */
const { RATE_LIMIT_LOGIN_PER_ACCOUNT: perAccount } = readConfig(['RATE_LIMIT_LOGIN_PER_ACCOUNT']);
export const MAX_ATTEMPTS = perAccount.limit;
export const WINDOW_MS = perAccount.windowSeconds * 1000;
const GC_GRACE_SECONDS = 3600;

export const lockoutKey = (email: string) => ({ pk: `LOGIN#${email}`, sk: 'ATTEMPTS' });

/** What the caller needs to release the claim after a correct password. */
export interface LoginClaim {
  readonly email: string;
  readonly windowStartedAt: number;
}

const locked = (windowStartedAt: number, now: number) =>
  // A request that read the clock just before another opened the window would see a little more.
  new TooManyRequestsError('Too many failed sign-in attempts; try again later', Math.min(WINDOW_MS, windowStartedAt + WINDOW_MS - now) / 1000);

/** Claims one password check for `email`, or throws 429. Never lets more than MAX_ATTEMPTS through per window. */
export async function claimLoginAttempt(email: string, now = Date.now()): Promise<LoginClaim> {
  const cutoff = now - WINDOW_MS;
  // Each round either claims, answers 429, or lost a race to another request that opened a
  // new window a moment ago (then the next round counts into it): a few rounds always settle.
  for (let round = 0; round < 5; round += 1) {
    try {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: lockoutKey(email),
          UpdateExpression: 'ADD attempts :one',
          ConditionExpression: 'windowStartedAt > :cutoff AND attempts < :max',
          ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff, ':max': MAX_ATTEMPTS },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { email, windowStartedAt: Attributes!.windowStartedAt as number };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const startedAt = oldWindowStart(error);
      if (startedAt !== undefined && startedAt > cutoff) throw locked(startedAt, now);
    }
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: lockoutKey(email),
          UpdateExpression: 'SET windowStartedAt = :now, attempts = :one, #type = :type, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(windowStartedAt) OR windowStartedAt <= :cutoff',
          ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':now': now,
            ':one': 1,
            ':cutoff': cutoff,
            ':type': 'loginAttempts',
            ':ttl': Math.ceil((now + WINDOW_MS) / 1000) + GC_GRACE_SECONDS,
          },
        }),
      );
      return { email, windowStartedAt: now };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  // Only reachable if windows keep being reopened under us: refuse rather than check.
  return Promise.reject(locked(now, now));
}

/** `windowStartedAt` of the item a failed condition saw (the SDK leaves it in wire format). */
function oldWindowStart(error: unknown): number | undefined {
  const value = (error as { Item?: Record<string, unknown> }).Item?.windowStartedAt;
  if (typeof value === 'number') return value;
  const wire = (value as { N?: string } | undefined)?.N;
  return wire === undefined ? undefined : Number(wire);
}

/** After a correct password: forget the failures of the window this attempt was claimed in. */
export async function clearLoginAttempts(claim: LoginClaim): Promise<void> {
  try {
    await db.send(
      new DeleteCommand({
        TableName: tableName,
        Key: lockoutKey(claim.email),
        ConditionExpression: 'windowStartedAt = :started',
        ExpressionAttributeValues: { ':started': claim.windowStartedAt },
      }),
    );
  } catch (error) {
    // A newer window (or none): nothing of ours to clear.
    if (!isConditionFailure(error)) throw error;
  }
}
