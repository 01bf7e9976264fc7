/**
 * Abuse limits of the public account routes and of password checks, on top of the per-account
 * login lockout (shared/auth/lockout.ts). Each is a fixed-window counter (shared/rate-limit.ts):
 * `<limit>/<window seconds>`, configurable per deployment through the environment.
 *
 * The client IP is API Gateway's `requestContext.http.sourceIp` (the TCP peer API Gateway
 * saw), never a header the client controls (X-Forwarded-For). Emails are the normalised ones
 * of the validated body, so `Ann@Example.com` and `ann@example.com` share a budget, and known
 * and unknown emails are counted the same way (the same writes, before any lookup), so a 429
 * says nothing about whether an account exists.
 */
import { readConfig } from '../config.js';
import { consumeRateLimit, normalizeIp } from '../rate-limit.js';

export interface LimitSpec {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Each `<limit>/<window seconds>`; production defaults in shared/config-catalogue.ts (README, "Abuse limits"). */
export const ABUSE_LIMIT_VARIABLES = [
  'RATE_LIMIT_REGISTER_PER_IP',
  'RATE_LIMIT_REGISTER_PER_EMAIL',
  'RATE_LIMIT_LOGIN_PER_IP',
  'RATE_LIMIT_FORGOT_PASSWORD_PER_IP',
  'RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL',
  'RATE_LIMIT_RESET_PASSWORD_PER_IP',
  'RATE_LIMIT_RESET_PASSWORD_PER_ACCOUNT',
  'RATE_LIMIT_PASSWORD_CHECK_PER_USER',
] as const;
export const abuseLimits = readConfig(ABUSE_LIMIT_VARIABLES);

export type LimitedAction = 'register' | 'login' | 'forgotPassword' | 'resetPassword';

const perIp: Record<LimitedAction, LimitSpec> = {
  register: abuseLimits.RATE_LIMIT_REGISTER_PER_IP,
  login: abuseLimits.RATE_LIMIT_LOGIN_PER_IP,
  forgotPassword: abuseLimits.RATE_LIMIT_FORGOT_PASSWORD_PER_IP,
  resetPassword: abuseLimits.RATE_LIMIT_RESET_PASSWORD_PER_IP,
};
/**
 * Login's per-email limit is the lockout (RATE_LIMIT_LOGIN_PER_ACCOUNT, lockout.ts); reset carries no
 * email, its per-account limit is limitAccountReset, counted once the token names the account.
 */
const perEmail: Partial<Record<LimitedAction, LimitSpec>> = {
  register: abuseLimits.RATE_LIMIT_REGISTER_PER_EMAIL,
  forgotPassword: abuseLimits.RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL,
};

const MESSAGE = 'Too many attempts; try again later';

/**
 * Counts one attempt of `action` for the client's IP, then (if the IP is within its limit) for
 * the email; throws TooManyRequestsError (429, `Retry-After`) over either. Call it first, before
 * any lookup or bcrypt.
 */
export async function limitAttempt(action: LimitedAction, client: { sourceIp: string | undefined; email?: string | undefined }): Promise<void> {
  await consumeRateLimit({ key: `${action}:ip:${normalizeIp(client.sourceIp)}`, ...perIp[action], message: MESSAGE });
  const emailLimit = perEmail[action];
  if (emailLimit && client.email !== undefined) {
    await consumeRateLimit({ key: `${action}:email:${client.email}`, ...emailLimit, message: MESSAGE });
  }
}

/**
 * Counts one password reset of an account (the user a valid token names) before bcrypt runs:
 * links from several forgot-password requests can't reset one account more than the limit's
 * times per window, whoever holds them.
 */
export async function limitAccountReset(userId: string): Promise<void> {
  await consumeRateLimit({ key: `resetPassword:user:${userId}`, ...abuseLimits.RATE_LIMIT_RESET_PASSWORD_PER_ACCOUNT, message: MESSAGE });
}

/** Counts one `currentPassword` check of a signed-in user (PATCH /me) before bcrypt runs. */
export async function limitPasswordCheck(userId: string): Promise<void> {
  await consumeRateLimit({ key: `password-check:user:${userId}`, ...abuseLimits.RATE_LIMIT_PASSWORD_CHECK_PER_USER, message: 'Too many password checks; try again later' });
}
