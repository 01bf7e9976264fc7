/** Small pieces the benchmarks share: statistics, tables, seeded randomness, an emulator run. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { performance } from 'node:perf_hooks';
import type { Emulators } from '../infra/local/emulators.js';

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

export const fmt = (n: number, digits = 1) => (Number.isNaN(n) ? '-' : n.toFixed(digits));

/** Prints an aligned table: first column left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(render(row));
}

/** Deterministic pseudo-random numbers in [0, 1), so runs are comparable. */
export function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs a benchmark, stops the emulators it started whatever happens, prints the total time. */
export async function runBenchmark(main: (emulatorsRef: { current?: Emulators }) => Promise<void>): Promise<void> {
  const startedAt = performance.now();
  const emulatorsRef: { current?: Emulators } = {};
  try {
    await main(emulatorsRef);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await emulatorsRef.current?.stop().catch((error: unknown) => console.error('stopping the emulators:', error));
    console.log(`Total run ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`);
  }
}

/**
 * Starts in-memory emulators, points the SDK at them with the project's env for `tableName`
 * plus `env`, and creates the table. Project modules must be imported after this: they read
 * the environment at import.
 */
export async function startBenchEmulators(emulatorsRef: { current?: Emulators }, tableName: string, env: Record<string, string>) {
  const { startEmulators } = await import('../infra/local/emulators.js');
  const emulators = await startEmulators();
  emulatorsRef.current = emulators;
  Object.assign(process.env, emulators.env, {
    TABLE_NAME: tableName,
    EMAIL_FROM: 'shop@example.com',
    ADMIN_EMAIL: 'admin@example.com',
    APP_BASE_URL: 'http://localhost:3000',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  });
  const { provisionTable } = await import('../infra/local/provision.js');
  await provisionTable(tableName);
  return emulators;
}

/** Counts each SQS command a client sends (`SQS SendMessage`) through `bump`. */
export function countSqsCommands(sqs: SQSClient, bump: (name: string) => void, name: string): void {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      bump(`SQS ${(context.commandName ?? 'unknown').replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'initialize', name },
  );
}
