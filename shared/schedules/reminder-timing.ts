/**
 * When a payment reminder is useful (issue 12.3): it must reach the customer with time left to
 * pay, and never name a deadline that has passed. Pure rules, shared by the reminder job (which
 * orders to remind), the email reaction (send or drop) and the schedule list (whether the
 * configured timings can keep the promise at all).
 */

/** A reminder goes out only with at least this much of the payment window left. */
export const MIN_REMINDER_LEAD_MINUTES = 2;

/** `rate(5 minutes)` → 5; undefined for anything else (cron expressions). */
export function rateMinutes(expression: string): number | undefined {
  const match = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const unit = match[2]!.startsWith('minute') ? 1 : match[2]!.startsWith('hour') ? 60 : 1440;
  return Number(match[1]) * unit;
}

/**
 * The least time a customer has left when the payment reminder arrives: a pending order becomes
 * due at PAYMENT_REMINDER_MINUTES and the next run (at most one rate later) sends it.
 */
export const guaranteedReminderLeadMinutes = (t: { windowMinutes: number; reminderMinutes: number; rateMinutes: number }) =>
  t.windowMinutes - t.reminderMinutes - t.rateMinutes;

/**
 * Fails when the timings cannot give every pending order a reminder with
 * MIN_REMINDER_LEAD_MINUTES left, naming the settings to change.
 */
export function assertReminderTimings(t: { windowMinutes: number; reminderMinutes: number; rateExpression: string }): void {
  const rate = rateMinutes(t.rateExpression);
  if (rate === undefined) throw new Error(`SEND_REMINDERS_SCHEDULE must be a rate(...) expression (the reminder guarantee depends on it), got ${t.rateExpression}`);
  const lead = guaranteedReminderLeadMinutes({ ...t, rateMinutes: rate });
  if (lead < MIN_REMINDER_LEAD_MINUTES) {
    throw new Error(
      `Payment reminders could arrive with ${lead} minute(s) left: PAYMENT_WINDOW_MINUTES (${t.windowMinutes}) − PAYMENT_REMINDER_MINUTES ` +
        `(${t.reminderMinutes}) − the SEND_REMINDERS_SCHEDULE rate (${rate}) must be at least ${MIN_REMINDER_LEAD_MINUTES}`,
    );
  }
}

/** Whether a reminder for this deadline is still worth sending at `now`. */
export const reminderStillUseful = (payBefore: string, now: number) => Date.parse(payBefore) - now >= MIN_REMINDER_LEAD_MINUTES * 60_000;
