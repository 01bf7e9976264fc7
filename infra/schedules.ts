import { readConfig } from '../shared/config.js';
import { assertReminderTimings } from '../shared/schedules/reminder-timing.js';
import { paymentReminderMinutes, paymentWindowMinutes } from '../shared/schedules/schedule-config.js';
import type { ScheduleDefinition } from './route-types.js';

/**
 * How often each job runs: one variable per job (`rate(...)` or `cron(...)`, schema in
 * shared/config-catalogue.ts), read here once, so the CDK stack (at synth) and the local
 * scheduler use the same values.
 */
export const scheduleRates = readConfig(['RELEASE_EXPIRED_HOLDS_SCHEDULE', 'ROLLBACK_STALE_ORDERS_SCHEDULE', 'SEND_REMINDERS_SCHEDULE', 'LOW_STOCK_ALERTS_SCHEDULE']);

// Every pending order must get its payment reminder with time left to pay: fail at synth and at
// local start, naming the settings, when the timings can't promise it (README, "Schedules").
assertReminderTimings({ windowMinutes: paymentWindowMinutes, reminderMinutes: paymentReminderMinutes, rateExpression: scheduleRates.SEND_REMINDERS_SCHEDULE });

/**
 * Scheduled jobs: EventBridge rules in CDK, timers in the local stack (`rate(...)` only; each
 * job also runs once when the local stack starts). Rates come from `<JOB>_SCHEDULE` variables.
 * Every job is safe to run twice at the same moment (conditional writes decide), so
 * overlapping runs and EventBridge/Lambda retries are harmless. `access` is each job's whole
 * blast radius: the hold release only writes the table; the jobs that lead to emails also send to
 * `order-events` (the processor sends the mail, exactly once per event id).
 */
export const schedules: readonly ScheduleDefinition[] = [
  {
    // Query gsi2 HOLDEXP#<shard> for expired holds; release each in a conditional transaction.
    id: 'releaseExpiredHolds',
    handler: 'functions/schedules/release-expired-holds.ts',
    schedule: scheduleRates.RELEASE_EXPIRED_HOLDS_SCHEDULE,
    timeoutSeconds: 55,
    access: { table: 'write' },
  },
  {
    // pending older than PAYMENT_WINDOW_MINUTES → pending_stock_rolledback; failed → failed_stock_rolledback.
    id: 'rollbackStaleOrders',
    handler: 'functions/schedules/rollback-stale-orders.ts',
    schedule: scheduleRates.ROLLBACK_STALE_ORDERS_SCHEDULE,
    timeoutSeconds: 55,
    access: { table: 'write', sendTo: ['orderEvents'] },
  },
  {
    // One payment reminder per pending order, one fulfilment reminder per paid/processing order.
    // Every minute: a pending order is due a reminder at 10 minutes and rolled back at 15, so
    // the reminder arrives with 4 to 5 minutes left (a 5-minute rate could leave none).
    // Each run is a Query per status shard (3 statuses × 16).
    id: 'sendReminders',
    handler: 'functions/schedules/send-reminders.ts',
    schedule: scheduleRates.SEND_REMINDERS_SCHEDULE,
    timeoutSeconds: 55,
    access: { table: 'write', sendTo: ['orderEvents'] },
  },
  {
    // Hourly by default: each run reads the whole catalogue once (see README, "Schedules").
    id: 'lowStockAlerts',
    handler: 'functions/schedules/low-stock-alerts.ts',
    schedule: scheduleRates.LOW_STOCK_ALERTS_SCHEDULE,
    timeoutSeconds: 120,
    access: { table: 'write', sendTo: ['orderEvents'] },
  },
];
