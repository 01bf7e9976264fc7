/**
 * Contact form use cases. Submitting is public, so it is limited per source IP before
 * anything is written: at most CONTACT_RATE_LIMIT.limit messages per client per window.
 */
import { consumeRateLimit, normalizeIp } from '../rate-limit.js';
import type { ContactMessageRecord } from './contact-message.js';
import { createContactMessage, type NewContactMessage } from './contact-repository.js';

export const CONTACT_RATE_LIMIT = { limit: 5, windowSeconds: 60 } as const;

/**
 * `sourceIp` is API Gateway's `requestContext.http.sourceIp` (the TCP peer as API Gateway sees
 * it; never X-Forwarded-For, which the client controls). A 429 writes no message.
 */
export async function submitContactMessage(input: NewContactMessage, client: { sourceIp: string | undefined }): Promise<ContactMessageRecord> {
  const now = new Date();
  await consumeRateLimit({
    key: `contact:ip:${normalizeIp(client.sourceIp)}`,
    ...CONTACT_RATE_LIMIT,
    now: now.getTime(),
    message: 'Too many contact messages from your network; try again later',
  });
  return createContactMessage(input, now);
}
