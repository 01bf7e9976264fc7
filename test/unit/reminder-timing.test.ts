/**
 * Issue 12.3: which settings guarantee a payment reminder with time left to pay.
 */
import { describe, expect, it } from 'vitest';
import { assertReminderTimings, guaranteedReminderLeadMinutes, MIN_REMINDER_LEAD_MINUTES, rateMinutes, reminderStillUseful } from '../../shared/schedules/reminder-timing.js';
import { scheduleRates, schedules } from '../../infra/schedules.js';

describe('payment reminder timings', () => {
  it('parses rates', () => {
    expect(rateMinutes('rate(1 minute)')).toBe(1);
    expect(rateMinutes('rate(5 minutes)')).toBe(5);
    expect(rateMinutes('rate(2 hours)')).toBe(120);
    expect(rateMinutes('cron(0 * * * ? *)')).toBeUndefined();
  });

  it('the defaults (window 15, reminder 10, every minute) leave at least 4 minutes', () => {
    expect(scheduleRates.SEND_REMINDERS_SCHEDULE).toBe('rate(1 minute)');
    expect(schedules.find((s) => s.id === 'sendReminders')!.schedule).toBe('rate(1 minute)');
    expect(guaranteedReminderLeadMinutes({ windowMinutes: 15, reminderMinutes: 10, rateMinutes: 1 })).toBe(4);
    expect(() => assertReminderTimings({ windowMinutes: 15, reminderMinutes: 10, rateExpression: 'rate(1 minute)' })).not.toThrow();
  });

  it('refuses timings that could remind with less than the minimum left, naming the settings (the old 5-minute rate could leave 0)', () => {
    expect(() => assertReminderTimings({ windowMinutes: 15, reminderMinutes: 10, rateExpression: 'rate(5 minutes)' })).toThrow(
      /0 minute\(s\) left: PAYMENT_WINDOW_MINUTES \(15\) − PAYMENT_REMINDER_MINUTES \(10\) − the SEND_REMINDERS_SCHEDULE rate \(5\)/,
    );
    expect(() => assertReminderTimings({ windowMinutes: 15, reminderMinutes: 14, rateExpression: 'rate(1 minute)' })).toThrow(/PAYMENT_REMINDER_MINUTES/);
    expect(() => assertReminderTimings({ windowMinutes: 60, reminderMinutes: 30, rateExpression: 'cron(0 * * * ? *)' })).toThrow(/rate\(\.\.\.\)/);
  });

  it('a reminder is useful only with MIN_REMINDER_LEAD_MINUTES left', () => {
    const now = Date.parse('2026-05-01T10:00:00Z');
    expect(MIN_REMINDER_LEAD_MINUTES).toBe(2);
    expect(reminderStillUseful('2026-05-01T10:05:00Z', now)).toBe(true);
    expect(reminderStillUseful('2026-05-01T10:02:00Z', now)).toBe(true);
    expect(reminderStillUseful('2026-05-01T10:01:59Z', now)).toBe(false);
    expect(reminderStillUseful('2026-05-01T09:59:00Z', now)).toBe(false);
  });
});
