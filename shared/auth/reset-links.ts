/**
 * Password reset links, as the order-events processor issues them for a forgot-password
 * request (request-password-reset.ts queues it; password-reset.ts redeems the token). Tokens
 * are 32 random bytes, emailed once, stored only as a SHA-256 hash:
 *
 *   pk RESET#<sha256(token)> sk RESET {userId, sessionVersion, expiresAt (epoch ms)}
 *
 * A module of its own, kept light: the processor loads it, and must not load the routes' abuse
 * limits (their keys are HMACs under the JWT secret) or the event publisher.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { appBaseUrl } from '../app-config.js';
import { db, tableName } from '../clients/dynamodb.js';
import { findUserByEmail } from '../users/find-user.js';
import type { UserRecord } from '../users/user.js';
import { RESET_TOKEN_TTL_MS, resetKey } from './reset-tokens.js';


export interface ResetLink {
  readonly user: UserRecord;
  readonly resetUrl: string;
  readonly expiresAt: string;
}

/**
 * A new single-use link for the account of `email`; undefined for no account or a disabled
 * one. A retried event may store a second token; one email is sent (the processor's claim),
 * and the unused token expires.
 */
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
