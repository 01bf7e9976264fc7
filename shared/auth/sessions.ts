/**
 * Session families and token revocation.
 *
 *   family         pk SESSION#<familyId> sk SESSION   {userId, currentTokenHash, revoked}
 *   revoked access pk REVOKED#<jti>       sk TOKEN     (until the token would expire)
 *
 * Only the hash of the current refresh token is stored. Presenting an older one of the same
 * family means it was stolen or replayed: the whole family is revoked. `ttl` only collects
 * garbage after expiry; every check compares times itself.
 *
 * The user, family and denial items are ConditionChecked inside order transactions
 * (shared/auth/pending-session.ts): the single writes here retry the TransactionConflict a
 * checkout in flight causes on AWS.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { writeRetryingConflicts } from '../transactions.js';
import { UnauthorizedError } from '../errors.js';
import { logger } from '../logger.js';
import { findUserById } from '../users/user-repository.js';
import type { UserRecord } from '../users/user.js';
import { accessTokenTtlSeconds, signAccessToken, signRefreshToken, verifyRefreshToken } from './tokens.js';

import { familyKey, revokedTokenKey } from './session-state.js';

export { familyKey, revokedTokenKey };
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
const GC_GRACE_SECONDS = 24 * 3600;

export interface IssuedSession {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

async function issuePair(user: UserRecord, familyId: string) {
  const claims = { userId: user.id, familyId, sessionVersion: user.sessionVersion, role: user.role };
  const [access, refresh] = await Promise.all([signAccessToken(claims), signRefreshToken(claims)]);
  return { access, refresh };
}

export async function startSession(user: UserRecord): Promise<IssuedSession> {
  const familyId = randomUUID();
  const { access, refresh } = await issuePair(user, familyId);
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...familyKey(familyId),
        type: 'session',
        userId: user.id,
        currentTokenHash: hashToken(refresh.token),
        revoked: false,
        createdAt: new Date().toISOString(),
        expiresAt: refresh.expiresAt,
        ttl: refresh.expiresAt + GC_GRACE_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { accessToken: access.token, refreshToken: refresh.token, expiresIn: accessTokenTtlSeconds };
}

export async function rotateSession(refreshToken: string): Promise<{ user: UserRecord; session: IssuedSession }> {
  const claims = await verifyRefreshToken(refreshToken);
  const user = await findUserById(claims.userId);
  if (!user || user.disabled || user.sessionVersion !== claims.sessionVersion) {
    throw new UnauthorizedError('The session has ended');
  }
  const { access, refresh } = await issuePair(user, claims.familyId);
  try {
    await writeRetryingConflicts(() => db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: familyKey(claims.familyId),
        UpdateExpression: 'SET currentTokenHash = :next, rotatedAt = :now, expiresAt = :exp, #ttl = :ttl',
        ConditionExpression: 'currentTokenHash = :presented AND revoked = :false AND userId = :userId',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':next': hashToken(refresh.token),
          ':presented': hashToken(refreshToken),
          ':false': false,
          ':userId': user.id,
          ':now': new Date().toISOString(),
          ':exp': refresh.expiresAt,
          ':ttl': refresh.expiresAt + GC_GRACE_SECONDS,
        },
      }),
    ));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // A validly signed token that is not the family's current one: reuse. Kill the family.
    logger.warn('refresh token reuse detected; revoking session family', { familyId: claims.familyId, userId: user.id });
    await revokeFamily(claims.familyId);
    throw new UnauthorizedError('The refresh token is no longer valid');
  }
  return { user, session: { accessToken: access.token, refreshToken: refresh.token, expiresIn: accessTokenTtlSeconds } };
}

export async function revokeFamily(familyId: string): Promise<void> {
  try {
    await writeRetryingConflicts(() => db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: familyKey(familyId),
        UpdateExpression: 'SET revoked = :true, revokedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':true': true, ':now': new Date().toISOString() },
      }),
    ));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Denies one access token until it would have expired anyway. */
export async function revokeAccessToken(jti: string, expiresAt: number): Promise<void> {
  await writeRetryingConflicts(() => db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...revokedTokenKey(jti), type: 'revokedToken', expiresAt, ttl: expiresAt + GC_GRACE_SECONDS },
    }),
  ));
}
