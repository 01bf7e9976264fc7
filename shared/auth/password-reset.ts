/**
 * Redeeming a password reset token (reset-links.ts issues them: the item and its key). The token
 * records the user's `sessionVersion` at that moment. Redeeming deletes the token and updates
 * the password in one transaction conditioned on the token still existing and not being
 * expired, and on the user's `sessionVersion` still being the recorded one. The reset itself
 * bumps `sessionVersion`, so a successful reset (or a password change, or disabling) makes
 * every link issued before it worthless: of many links, and many parallel redemptions, at
 * most one ever works.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { transactWrite } from '../transactions.js';
import { cancellationReasons } from '../dynamo-errors.js';
import { BadRequestError } from '../errors.js';
import { limitAccountReset } from './abuse-limits.js';
import { hashPassword } from './passwords.js';
import { RESET_TOKEN_TTL_MS, resetKey } from './reset-tokens.js';

export { RESET_TOKEN_TTL_MS, resetKey };

export async function resetPassword(token: string, newPassword: string, now = Date.now()): Promise<void> {
  const invalid = () => new BadRequestError('The reset token is invalid or has expired', { field: 'token' });
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: resetKey(token), ConsistentRead: true }));
  if (!Item || (Item.expiresAt as number) <= now || typeof Item.sessionVersion !== 'number') throw invalid();
  await limitAccountReset(Item.userId as string);
  const passwordHash = await hashPassword(newPassword);
  const userKey = { pk: `USER#${Item.userId as string}`, sk: 'PROFILE' };
  // Many links redeemed at once conflict on the user: once one has won, the others answer 400
  // (their version is gone) instead of queueing for an item they can no longer change.
  const stillRedeemable = async () => {
    const { Item: user } = await db.send(new GetCommand({ TableName: tableName, Key: userKey, ConsistentRead: true, ProjectionExpression: 'sessionVersion' }));
    if (user?.sessionVersion !== Item.sessionVersion) throw invalid();
  };
  try {
    await transactWrite([
      {
        Delete: {
          TableName: tableName,
          Key: resetKey(token),
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': now },
        },
      },
      {
        // A new session version ends every session the user had, on every device.
        Update: {
          TableName: tableName,
          Key: userKey,
          UpdateExpression: 'SET passwordHash = :hash, updatedAt = :updatedAt ADD sessionVersion :one',
          ConditionExpression: 'sessionVersion = :issuedAt',
          ExpressionAttributeValues: { ':hash': passwordHash, ':updatedAt': new Date(now).toISOString(), ':one': 1, ':issuedAt': Item.sessionVersion },
        },
      },
    ], { beforeRetry: stillRedeemable });
  } catch (error) {
    if (cancellationReasons(error)?.includes('ConditionalCheckFailed')) throw invalid();
    throw error;
  }
}
