/**
 * A failed card payment while the order's payment window is open is not the end of the order:
 * the customer may pay again (Stripe Checkout itself offers another card) until the window
 * closes, when the rollback schedule releases the order. One pure rule, shared by the webhook
 * (keep the order pending or fail it) and the email (link to pay again, or not).
 */
import { paymentWindowMinutes } from '../schedules/schedule-config.js';

/** Less than this left and a retry is pointless: the rollback is about to release the order. */
export const MIN_RETRY_MS = 60_000;

/** When the order's payment window closes (ISO). */
export const paymentDeadline = (createdAt: string, windowMinutes: number = paymentWindowMinutes) =>
  new Date(Date.parse(createdAt) + windowMinutes * 60_000).toISOString();

/**
 * The deadline to pay again after a failed payment, or undefined when the order can no
 * longer be paid: not pending, something already paid, or less than MIN_RETRY_MS left.
 */
export function paymentRetryDeadline(
  order: { readonly status: string; readonly amountPaid: number; readonly createdAt: string },
  now: number,
  windowMinutes: number = paymentWindowMinutes,
): string | undefined {
  if (order.status !== 'pending' || order.amountPaid > 0) return undefined;
  const deadline = paymentDeadline(order.createdAt, windowMinutes);
  return Date.parse(deadline) - now >= MIN_RETRY_MS ? deadline : undefined;
}

export const paymentFailedEventId = (stripeEventId: string) => `payment-failed:${stripeEventId}`;
