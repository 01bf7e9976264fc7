/**
 * Issue 12.5: schedule rates come from one place (infra/schedules.ts, `<JOB>_SCHEDULE`
 * variables) for CDK and the local scheduler, and the local scheduler runs every job once at
 * start (timers have no first run).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startScheduler } from '../../infra/local/scheduler.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('configurable rates', () => {
  it('each job reads its <JOB>_SCHEDULE, default otherwise', async () => {
    vi.stubEnv('LOW_STOCK_ALERTS_SCHEDULE', 'rate(5 minutes)');
    vi.stubEnv('RELEASE_EXPIRED_HOLDS_SCHEDULE', 'rate(2 minutes)');
    const { schedules } = await import('../../infra/schedules.js');
    const byId = Object.fromEntries(schedules.map((s) => [s.id, s.schedule]));
    expect(byId).toEqual({
      releaseExpiredHolds: 'rate(2 minutes)',
      rollbackStaleOrders: 'rate(1 minute)',
      sendReminders: 'rate(1 minute)',
      lowStockAlerts: 'rate(5 minutes)',
    });
  });

  it('a bad expression fails at load, naming the variable; so do reminder timings that cannot leave time to pay', async () => {
    vi.stubEnv('LOW_STOCK_ALERTS_SCHEDULE', 'every hour');
    await expect(import('../../infra/schedules.js')).rejects.toThrow(/LOW_STOCK_ALERTS_SCHEDULE: expected rate/);
    vi.resetModules();
    vi.unstubAllEnvs();
    vi.stubEnv('SEND_REMINDERS_SCHEDULE', 'rate(5 minutes)');
    await expect(import('../../infra/schedules.js')).rejects.toThrow(/SEND_REMINDERS_SCHEDULE rate \(5\)/);
  });
});

describe('local scheduler', () => {
  it('runs every job once at start, before its first interval, then on its timer', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scheduler-'));
    writeFileSync(
      path.join(dir, 'job.mjs'),
      'export const handler = async (event) => { (globalThis.__schedulerRuns ??= []).push(event.resources[0]); return {}; };\n',
    );
    const runs = () => ((globalThis as { __schedulerRuns?: string[] }).__schedulerRuns ?? []).slice();
    const job = (id: string, schedule: string) => ({ id, handler: 'job.mjs', schedule, timeoutSeconds: 30, access: {} });
    const scheduler = await startScheduler({ schedules: [job('hourly', 'rate(1 hour)'), job('daily', 'rate(1 day)')], repoRoot: dir, log: () => {} });
    try {
      await scheduler.started;
      expect(runs().sort()).toEqual(['arn:aws:events:local:000000000000:rule/daily', 'arn:aws:events:local:000000000000:rule/hourly']);
    } finally {
      scheduler.stop();
    }
  });

  it('runAtStart: false waits for the timer', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scheduler-'));
    writeFileSync(path.join(dir, 'job.mjs'), 'export const handler = async () => { globalThis.__noStartRuns = (globalThis.__noStartRuns ?? 0) + 1; };\n');
    const scheduler = await startScheduler({ schedules: [{ id: 'j', handler: 'job.mjs', schedule: 'rate(1 hour)', timeoutSeconds: 30, access: {} }], repoRoot: dir, runAtStart: false, log: () => {} });
    await scheduler.started;
    scheduler.stop();
    expect((globalThis as { __noStartRuns?: number }).__noStartRuns).toBeUndefined();
  });
});
