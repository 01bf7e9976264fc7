import { createHmac } from 'node:crypto';
import { authConfig } from './auth-config.js';

/**
 * Independent keys derived from the one configured secret, one per purpose, so a token or
 * cursor signed for one purpose can never verify as another.
 */
export function deriveKey(purpose: 'access-token' | 'refresh-token' | 'cursor' | 'rate-limit'): Uint8Array {
  return new Uint8Array(createHmac('sha256', authConfig.JWT_SECRET).update(`order-management:${purpose}`).digest());
}
