import type { ScheduleDefinition } from './route-types.js';

/**
 * Scheduled jobs: EventBridge rules in CDK, timers in the local stack (`rate(...)` only).
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
    schedule: 'rate(1 minute)',
    timeoutSeconds: 55,
    access: { table: 'write' },
  },
  {
    // pending older than PAYMENT_WINDOW_MINUTES → pending_stock_rolledback; failed → failed_stock_rolledback.
    id: 'rollbackStaleOrders',
    handler: 'functions/schedules/rollback-stale-orders.ts',
    schedule: 'rate(1 minute)',
    timeoutSeconds: 55,
    access: { table: 'write', sendTo: ['orderEvents'] },
  },
  {
    // One payment reminder per pending order, one fulfilment reminder per paid/processing order.
    // Every 5 minutes, not hourly: a pending order is due a reminder at 10 minutes and rolled
    // back at 15, so an hourly run would remind about 1 order in 12. Each run is 3 Queries.
    id: 'sendReminders',
    handler: 'functions/schedules/send-reminders.ts',
    schedule: 'rate(5 minutes)',
    timeoutSeconds: 120,
    access: { table: 'write', sendTo: ['orderEvents'] },
  },
  {
    // Hourly, not every 5 minutes: each run reads the whole catalogue once (see README, "Schedules").
    id: 'lowStockAlerts',
    handler: 'functions/schedules/low-stock-alerts.ts',
    schedule: 'rate(1 hour)',
    timeoutSeconds: 120,
    access: { table: 'write', sendTo: ['orderEvents'] },
  },
];
