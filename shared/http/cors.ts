import { z } from 'zod';
import { readEnv } from '../config.js';

const { CORS_ALLOWED_ORIGINS } = readEnv(
  z.object({ CORS_ALLOWED_ORIGINS: z.string().default('*') }),
);
const allowedOrigins = CORS_ALLOWED_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean);
const allowAny = allowedOrigins.includes('*');

/**
 * CORS headers for a response. With an explicit origin list the browser may send the
 * `accessToken` cookie (credentials); with `*` it may not, as the Fetch spec requires.
 */
export function corsHeaders(requestOrigin: string | undefined): Record<string, string> {
  if (allowAny) return { 'access-control-allow-origin': '*' };
  if (requestOrigin && allowedOrigins.includes(requestOrigin)) {
    return {
      'access-control-allow-origin': requestOrigin,
      'access-control-allow-credentials': 'true',
      vary: 'origin',
    };
  }
  return { vary: 'origin' };
}

export const corsPreflightHeaders = {
  'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
  'access-control-allow-headers': 'authorization,content-type,idempotency-key,x-request-id,if-none-match',
  'access-control-max-age': '600',
};

export const corsConfig = { allowedOrigins, allowAny };
