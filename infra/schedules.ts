import type { ScheduleDefinition } from './route-types.js';

/**
 * Scheduled jobs: EventBridge rules in CDK, timers in the local stack. Empty until the
 * orders issue adds hold expiry, rollbacks and reminders; the stack and local runner
 * already honour every entry (see test/infra and test/unit/local-schedules).
 */
export const schedules: readonly ScheduleDefinition[] = [];
