import { ACCESS_TOKEN_COOKIE } from '../auth/authenticate.js';
import type { IssuedSession } from '../auth/sessions.js';
import type { SignedIn } from '../users/accounts.js';
import { toPublicUser, type UserRecord } from '../users/user.js';
import type { HttpResult } from './types.js';

const cookie = (value: string, maxAgeSeconds: number) =>
  `${ACCESS_TOKEN_COOKIE}=${value}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;

/** Answers that carry tokens must never be stored by a browser or a proxy (RFC 6749 §5.1). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** `{user, accessToken, refreshToken, expiresIn}` plus the access token as an HttpOnly cookie. */
export function sessionResult(statusCode: 200 | 201, { user, session }: SignedIn): HttpResult {
  return {
    statusCode,
    headers: NO_STORE,
    body: { user: toPublicUser(user), ...session },
    cookies: [cookie(session.accessToken, session.expiresIn)],
  };
}

export const clearSessionCookie = (): string => cookie('', 0);

/**
 * PATCH /me: the user; after a password change (which ended every session) also the fresh
 * session of this device, like a sign-in.
 */
export function updatedProfileResult({ user, session }: { user: UserRecord; session?: IssuedSession | undefined }): HttpResult {
  if (!session) return { statusCode: 200, body: toPublicUser(user) };
  return { statusCode: 200, headers: NO_STORE, body: { ...toPublicUser(user), ...session }, cookies: [cookie(session.accessToken, session.expiresIn)] };
}
