/**
 * vitest globalSetup of the `e2e` project. With `API_URL` set, the suite runs against that
 * deployment (AWS or LocalStack; pass ADMIN_EMAIL / ADMIN_PASSWORD, and SES_STORE_URL if a
 * mail store is reachable). Otherwise it starts the local stack exactly as `npm start`
 * does, as a child process on free ports, and stops it afterwards.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { generousAbuseLimits } from './test-abuse-limits.js';

export interface E2eTarget {
  apiUrl: string;
  adminEmail: string;
  adminPassword: string;
  /** aws-ses-v2-local's `/store`, when the target has one. */
  sesStoreUrl: string | null;
  /** The target's STRIPE_WEBHOOK_SECRET, when known: signed webhook tests run only then. */
  stripeWebhookSecret: string | null;
  /** The WebSocket API (`ws://…` / `wss://…/live`), when known (WEBSOCKET_URL with API_URL). */
  websocketUrl: string | null;
}

/** The local stack's webhook signing secret (it has no Stripe API key: checkout answers 503). */
const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_e2e_local_0123456789abcdefghijklmnop';

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eTarget;
  }
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.API_URL) {
    project.provide('e2e', {
      apiUrl: process.env.API_URL.replace(/\/$/, ''),
      adminEmail: process.env.ADMIN_EMAIL ?? 'admin@example.com',
      adminPassword: process.env.ADMIN_PASSWORD ?? 'admin-password',
      sesStoreUrl: process.env.SES_STORE_URL ?? null,
      stripeWebhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? null,
      websocketUrl: process.env.WEBSOCKET_URL ?? null,
    });
    return undefined;
  }
  const adminEmail = 'e2e-admin@example.com';
  const adminPassword = 'e2e-admin-password';
  const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...generousAbuseLimits,
      API_PORT: '0',
      WEBSOCKET_PORT: '0',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      STRIPE_SECRET_KEY: '',
      STRIPE_WEBHOOK_SECRET: LOCAL_STRIPE_WEBHOOK_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<{ apiUrl: string; mailViewerUrl: string; websocketUrl: string }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /API:\s+(http\S+)/.exec(output);
      const mail = /Mail viewer:\s+(http\S+)/.exec(output);
      const websocket = /WebSocket:\s+(ws[^\s?]+?)\/?\?/.exec(output);
      if (api && mail && websocket) resolve({ apiUrl: api[1]!, mailViewerUrl: mail[1]!, websocketUrl: websocket[1]! });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`local stack exited with ${code}:\n${output}`)));
    setTimeout(() => reject(new Error(`local stack did not start in 90 s:\n${output}`)), 90_000).unref();
  });
  const { apiUrl, mailViewerUrl, websocketUrl } = await ready;
  project.provide('e2e', { apiUrl, adminEmail, adminPassword, sesStoreUrl: new URL('store', mailViewerUrl).href, stripeWebhookSecret: LOCAL_STRIPE_WEBHOOK_SECRET, websocketUrl });
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    if (process.env.E2E_DEBUG) console.log(output);
  };
}
