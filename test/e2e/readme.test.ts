/**
 * Issue 12.12: the README's quick-start block, pasted into bash (`-e -o pipefail`) against the
 * API under test. Only the base URL (`localhost:3000`) and the admin login are replaced by the
 * target's. test/unit/readme-blocks.test.ts checks every other block with its commands stubbed.
 * The Node WebSocket client of "Real-time" runs as printed, with its two environment variables.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fencedBlocks, shellBlocks } from '../support/readme-blocks.js';
import { adminToken, api, registerUser, target } from './client.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('README quick start, pasted', () => {
  it('runs every line against the API: register, login, /me, refresh with the saved token, logout, forgot/reset, admin users', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = shellBlocks(readme).find((b) => b.code.startsWith('# register'));
    expect(block, 'the quick-start block').toBeDefined();
    const code = block!.code
      .replaceAll('localhost:3000', target.apiUrl)
      .replaceAll('admin@example.com', target.adminEmail)
      .replaceAll('admin-password', target.adminPassword);
    const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', code], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain('"email":"ann@example.com"'); // GET /me with the saved access token
    expect(out).toMatch(/"refreshToken":"[^"]+"/); // the refresh answered a new pair: the saved refresh token was sent
    expect(out).not.toContain('UNAUTHORIZED');
    expect(out).toMatch(/HTTP\/1\.1 204/); // logout
    expect(out).toMatch(/HTTP\/1\.1 202/); // forgot
    expect(out).toContain('"disabled":true');
    expect(out).toContain('"disabled":false');
  });
});

describe('README real-time Node client, run as printed', () => {
  /** Runs the block (under node_modules/.cache, so `ws` resolves) until `done` holds for its output, then stops it. */
  async function runClient(code: string, env: Record<string, string>, done: (out: { stdout: string; stderr: string }) => boolean, whileRunning?: () => Promise<void>) {
    const dir = path.join(root, 'node_modules/.cache/readme-client');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `client-${crypto.randomUUID()}.mjs`);
    writeFileSync(file, code);
    const child = spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk) => (out.stdout += chunk));
    child.stderr.on('data', (chunk) => (out.stderr += chunk));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // connected by then
      await whileRunning?.();
      for (let waited = 0; !done(out) && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      return out;
    } finally {
      child.kill();
      rmSync(file, { force: true });
    }
  }

  it('prints the signed-in customer\'s order as it is placed, and "refused 401" for a bad token', async () => {
    expect(target.websocketUrl, 'the WebSocket URL from the start banner').toBeTruthy();
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = fencedBlocks(readme, ['js']).find((b) => b.code.includes("from 'ws'"));
    expect(block, 'the Node client block').toBeDefined();
    const customer = await registerUser('readme-ws');
    const product = await api('POST', '/products', { token: await adminToken(), body: { name: 'README mug', price: 700, stock: 5 } });
    let orderId = '';
    const live = await runClient(block!.code, { WEBSOCKET_URL: target.websocketUrl!, TOKEN: customer.accessToken }, (out) => orderId !== '' && out.stdout.includes(orderId), async () => {
      const placed = await api('POST', '/orders', {
        token: customer.accessToken,
        body: { shippingAddress: { line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' }, items: [{ productId: product.body.id, quantity: 1 }] },
      });
      expect(placed.status).toBe(201);
      orderId = placed.body.id as string;
    });
    expect(live.stdout).toContain("type: 'order.updated'");
    expect(live.stdout).toContain(orderId);
    const refused = await runClient(block!.code, { WEBSOCKET_URL: target.websocketUrl!, TOKEN: 'not-a-token' }, (out) => out.stderr.includes('refused'));
    expect(refused.stderr).toContain('refused 401');
  });
});
