/**
 * Forgot password, the route's half: it only queues `user.password_reset_requested {email}`,
 * without looking the email up, so a known and an unknown email cost one queue send each and
 * neither the answer nor its timing says whether an account exists. The order-events processor
 * does the rest (reset-links.ts issueResetLink: look up, store a token, email the link).
 */
import { publishEvent } from '../events/publish.js';

export async function requestPasswordReset(email: string): Promise<void> {
  await publishEvent('user.password_reset_requested', { email });
}
