import { readConfig } from '../config.js';

/**
 * Token and password settings. The signing secret itself is not here: shared/auth/keys.ts
 * reads it (JWT_SECRET, or the Secrets Manager secret JWT_SECRET_ARN names) at init.
 */
export const authConfig = readConfig(['JWT_ISSUER', 'JWT_AUDIENCE', 'ACCESS_TOKEN_TTL_SECONDS', 'REFRESH_TOKEN_TTL_SECONDS', 'BCRYPT_COST']);
