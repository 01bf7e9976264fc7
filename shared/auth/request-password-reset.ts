import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { appBaseUrl } from '../app-config.js';
import { db, tableName } from '../clients/dynamodb.js';
import { publishAfterCommit } from '../events/publish.js';
import { findUserByEmail } from '../users/user-repository.js';
import { RESET_TOKEN_TTL_MS, resetKey } from './password-reset.js';

/** Always resolves the same way, whether or not the account exists (no enumeration). */
export async function requestPasswordReset(email: string, now = Date.now()): Promise<void> {
  const user = await findUserByEmail(email);
  if (!user || user.disabled) return;
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + RESET_TOKEN_TTL_MS;
  await db.send(
    new PutCommand({
      TableName: tableName,
      // The session version names which password this link may replace (password-reset.ts).
      Item: { ...resetKey(token), type: 'passwordReset', userId: user.id, sessionVersion: user.sessionVersion, expiresAt, ttl: Math.ceil(expiresAt / 1000) + 3600 },
    }),
  );
  const resetUrl = `${appBaseUrl.replace(/\/$/, '')}/reset-password?token=${encodeURIComponent(token)}`;
  await publishAfterCommit('user.password_reset_requested', {
    userId: user.id,
    email: user.email,
    name: user.name,
    resetUrl,
    expiresAt: new Date(expiresAt).toISOString(),
  });
}
