/**
 * Timing of the order schedules. Read by the rollback and reminder modules and by the payment
 * retry rule (shared/payments/payment-retry.ts: the Stripe webhook and the email processor),
 * each with a default.
 */
import * as z from 'zod';
import { readEnv } from '../config.js';

const minutes = z.coerce.number().int().min(1).max(7 * 24 * 60);

export const {
  PAYMENT_WINDOW_MINUTES: paymentWindowMinutes,
  PAYMENT_REMINDER_MINUTES: paymentReminderMinutes,
  FULFILMENT_REMINDER_HOURS: fulfilmentReminderHours,
} = readEnv(
  z.object({
    /** A pending order older than this is rolled back (its stock returned). */
    PAYMENT_WINDOW_MINUTES: minutes.default(15),
    /** A pending order older than this gets one payment reminder. */
    PAYMENT_REMINDER_MINUTES: minutes.default(10),
    /** A paid/processing order older than this gets one fulfilment reminder. */
    FULFILMENT_REMINDER_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24),
  }),
);
