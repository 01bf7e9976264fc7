/**
 * Forgot password, in two halves so that the answer takes the same work for every email:
 *   - the route (requestPasswordReset) only queues `user.password_reset_requested {email}`,
 *     without looking the email up: a known and an unknown email cost one queue send each, so
 *     neither the answer nor its timing says whether an account exists;
 *   - the order-events processor (issueResetLink) looks the email up and, for an active
 *     account, stores a token and emails its link. A retried event may store a second token;
 *     one email is sent (the processor's claim), and the unused token expires.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { appBaseUrl } from '../app-config.js';
import { db, tableName } from '../clients/dynamodb.js';
import { publishEvent } from '../events/publish.js';
import { findUserByEmail } from '../users/find-user.js';
import type { UserRecord } from '../users/user.js';
import { RESET_TOKEN_TTL_MS, resetKey } from './password-reset.js';

export async function requestPasswordReset(email: string): Promise<void> {
  await publishEvent('user.password_reset_requested', { email });
}

export interface ResetLink {
  readonly user: UserRecord;
  readonly resetUrl: string;
  readonly expiresAt: string;
}

/** A new single-use link for the account of `email`; undefined for no account or a disabled one. */
export async function issueResetLink(email: string, now = Date.now()): Promise<ResetLink | undefined> {
  const user = await findUserByEmail(email);
  if (!user || user.disabled) return undefined;
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
  return { user, resetUrl, expiresAt: new Date(expiresAt).toISOString() };
}
