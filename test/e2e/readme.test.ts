/**
 * Issue 12.12: the README's quick-start block, pasted into bash (`-e -o pipefail`) against the
 * API under test. Only the base URL (`localhost:3000`) and the admin login are replaced by the
 * target's. test/unit/readme-blocks.test.ts checks every other block with its commands stubbed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellBlocks } from '../support/readme-blocks.js';
import { target } from './client.js';

describe('README quick start, pasted', () => {
  it('runs every line against the API: register, login, /me, refresh with the saved token, logout, forgot/reset, admin users', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
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
