/**
 * The local stand-in for EventBridge schedules: runs each schedule's handler once at start, then
 * on a timer, with a scheduled event. Only `rate(...)` expressions are supported locally; `cron(...)` fails
 * loudly at start rather than silently never running.
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { ScheduleDefinition } from '../route-types.js';
import { localLambdaContext, loadHandler } from './lambda-context.js';

const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

export function rateToMs(expression: string): number {
  const match = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!match) throw new Error(`Local scheduler supports rate(N unit) only, got ${expression}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export function scheduledEvent(schedule: ScheduleDefinition): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: process.env.AWS_REGION ?? 'us-east-1',
    resources: [`arn:aws:events:local:000000000000:rule/${schedule.id}`],
    detail: {},
  };
}

export async function startScheduler(options: {
  schedules: readonly ScheduleDefinition[];
  repoRoot: string;
  /** Local-only speed-up: divide every interval (e.g. 60 to run minutely jobs every second). */
  speedUp?: number;
  /**
   * Run every job once right away (default true): timers have no first run, so an hourly job
   * would otherwise first run an hour after `npm start`. Safe: every job is safe to run twice.
   */
  runAtStart?: boolean;
  log?: (line: string) => void;
}): Promise<{ stop(): void; /** The first runs, when `runAtStart`: settled once each has finished. */ started: Promise<void> }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const jobs = await Promise.all(
    options.schedules.map(async (schedule) => {
      const interval = rateToMs(schedule.schedule) / (options.speedUp ?? 1);
      const handler = await loadHandler(options.repoRoot, schedule.handler);
      const run = () =>
        handler(scheduledEvent(schedule) as never, localLambdaContext(schedule.id, schedule.timeoutSeconds)).then(
          () => undefined,
          (error: unknown) => log(`[${schedule.id}] failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      return { run, timer: setInterval(() => void run(), interval) };
    }),
  );
  const started = options.runAtStart === false ? Promise.resolve() : Promise.all(jobs.map((job) => job.run())).then(() => undefined);
  return { stop: () => jobs.forEach((job) => clearInterval(job.timer)), started };
}
