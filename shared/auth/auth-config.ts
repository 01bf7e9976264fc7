import * as z from 'zod';
import { readEnv } from '../config.js';

/**
 * Token and password settings. The signing secret itself is not here: shared/auth/keys.ts
 * reads it (JWT_SECRET, or the Secrets Manager secret JWT_SECRET_ARN names) at init.
 */
export const authConfig = readEnv(
  z.object({
    JWT_ISSUER: z.string().min(1).default('order-management'),
    JWT_AUDIENCE: z.string().min(1).default('order-management-api'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
    REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(3600).default(30 * 24 * 3600),
    BCRYPT_COST: z.coerce.number().int().min(10).max(15).default(11),
  }),
);
