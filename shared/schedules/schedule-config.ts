/**
 * Timing of the order schedules. Read by the rollback and reminder modules and by the payment
 * retry rule (shared/payments/payment-retry.ts: the Stripe webhook and the email processor),
 * each with a default.
 */
import { readConfig } from '../config.js';

export const {
  PAYMENT_WINDOW_MINUTES: paymentWindowMinutes,
  PAYMENT_REMINDER_MINUTES: paymentReminderMinutes,
  FULFILMENT_REMINDER_HOURS: fulfilmentReminderHours,
} = readConfig(['PAYMENT_WINDOW_MINUTES', 'PAYMENT_REMINDER_MINUTES', 'FULFILMENT_REMINDER_HOURS']);
