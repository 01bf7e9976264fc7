import { defineConfig } from 'vitest/config';
import { generousAbuseLimits } from './test/support/test-abuse-limits.js';

/** Environment every handler module needs at import time; unit tests mock the AWS clients. */
const unitEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  TABLE_NAME: 'unit-table',
  ORDER_EVENTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/order-events',
  JWT_SECRET: 'unit-test-secret-unit-test-secret-0123456789',
  EMAIL_FROM: 'shop@example.com',
  ADMIN_EMAIL: 'admin@example.com',
  APP_BASE_URL: 'http://localhost:5173',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  // EMF metric lines (shared/metrics.ts) would go to stdout; test/unit/metrics.test.ts turns them on.
  POWERTOOLS_METRICS_DISABLED: 'true',
  BCRYPT_COST: '10',
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env: unitEnv,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          env: unitEnv,
          // The files share one synthesized default stack (test/support/synth-stack.ts
          // defaultStack): one worker, modules kept between files, so it is built once per run.
          isolate: false,
          fileParallelism: false,
          // A synth takes seconds alone and much longer on a busy 2-core machine.
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/emulators-global-setup.ts'],
          setupFiles: ['test/support/emulator-env.ts'],
          env: { ...unitEnv, ...generousAbuseLimits, TABLE_NAME: 'integration-table' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/e2e-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
