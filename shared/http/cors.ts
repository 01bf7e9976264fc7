import { readConfig } from '../config.js';
import { corsPolicy } from './cors-policy.js';

const { CORS_ALLOWED_ORIGINS } = readConfig(['CORS_ALLOWED_ORIGINS']);
const allowedOrigins = CORS_ALLOWED_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean);
const allowAny = allowedOrigins.includes('*');
const expose = { 'access-control-expose-headers': corsPolicy.exposeHeaders.join(',') };

/**
 * CORS headers for a response. With an explicit origin list the browser may send the
 * `accessToken` cookie (credentials); with `*` it may not, as the Fetch spec requires.
 */
export function corsHeaders(requestOrigin: string | undefined): Record<string, string> {
  if (allowAny) return { 'access-control-allow-origin': '*', ...expose };
  if (requestOrigin && allowedOrigins.includes(requestOrigin)) {
    return { 'access-control-allow-origin': requestOrigin, 'access-control-allow-credentials': 'true', vary: 'origin', ...expose };
  }
  return { vary: 'origin' };
}

/** What API Gateway answers to a preflight; the local gateway answers the same. */
export function corsPreflightHeaders(requestOrigin: string | undefined): Record<string, string> {
  return {
    ...corsHeaders(requestOrigin),
    'access-control-allow-methods': corsPolicy.allowMethods.join(','),
    'access-control-allow-headers': corsPolicy.allowHeaders.join(','),
    'access-control-max-age': String(corsPolicy.maxAgeSeconds),
  };
}
