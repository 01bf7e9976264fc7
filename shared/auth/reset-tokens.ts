import { createHash } from 'node:crypto';

/** How long an emailed reset link works. */
export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

/** A reset token's item: keyed by the token's SHA-256, so the table never holds a usable token. */
export const resetKey = (token: string) => ({ pk: `RESET#${createHash('sha256').update(token).digest('base64url')}`, sk: 'RESET' });
