/**
 * Issue 12.13: a bad configuration names every bad variable, not the first. Each function
 * reads its slice (readConfig) from one catalogue of schemas; its error also names every other
 * variable that is set and wrong, and `npm start` checks them all before starting anything.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfiguration, configurationProblems, readConfig } from '../../shared/config.js';
import { configCatalogue } from '../../shared/config-catalogue.js';

const bad = {
  TABLE_NAME: '   ',
  CART_HOLD_MINUTES: '-1',
  EMAIL_FROM: 'not-an-email',
  PAYMENT_WINDOW_MINUTES: 'soon',
  SHOP_TIME_ZONE: 'Mars/Olympus',
  SEND_REMINDERS_SCHEDULE: 'every minute',
};

afterEach(() => vi.unstubAllEnvs());

describe('configuration', () => {
  it("a module's slice fails naming every bad variable of the environment, its own first", () => {
    let message = '';
    try {
      readConfig(['TABLE_NAME'], { ...bad, ADMIN_EMAIL: 'admin@example.com' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: TABLE_NAME: /);
    for (const name of Object.keys(bad)) expect(message).toContain(`${name}: `);
    expect(message).not.toContain('ADMIN_EMAIL');
  });

  it('defaults apply, valid values parse, unset optional ones stay undefined', () => {
    expect(readConfig(['CART_HOLD_MINUTES', 'SHOP_TIME_ZONE', 'SES_CONFIGURATION_SET'], {})).toEqual({ CART_HOLD_MINUTES: 15, SHOP_TIME_ZONE: 'UTC', SES_CONFIGURATION_SET: undefined });
    expect(readConfig(['CART_HOLD_MINUTES', 'SHOP_TIME_ZONE'], { CART_HOLD_MINUTES: '30', SHOP_TIME_ZONE: 'Europe/Brussels' })).toEqual({ CART_HOLD_MINUTES: 30, SHOP_TIME_ZONE: 'Europe/Brussels' });
    expect(() => readConfig(['TABLE_NAME'], {})).toThrow(/TABLE_NAME/);
  });

  it('checkConfiguration (npm start) names all of them at once; a good environment passes', () => {
    expect(configurationProblems(bad)).toHaveLength(Object.keys(bad).length);
    expect(() => checkConfiguration(bad)).toThrow(/^Invalid configuration: /);
    let message = '';
    try {
      checkConfiguration(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of Object.keys(bad)) expect(message).toContain(`${name}: `);
    expect(() => checkConfiguration({ TABLE_NAME: 't', CART_HOLD_MINUTES: '20', UNRELATED: 'x' })).not.toThrow();
  });

  it('npm start refuses a bad environment before starting anything, naming every bad variable', async () => {
    for (const [name, value] of Object.entries(bad)) vi.stubEnv(name, value);
    // Loading the stack's modules or starting it: either way, before any emulator starts.
    const start = import('../../infra/local/local-stack.js').then(({ startLocalStack }) => startLocalStack({ apiPort: 0, log: () => {} }));
    const message = await start.then(
      () => 'started',
      (error: Error) => error.message,
    );
    for (const name of Object.keys(bad)) expect(message).toContain(`${name}: `);
  });

  it('npm start says so in one message, not a stack trace', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const env = { ...process.env, ...bad, API_PORT: '0', WEBSOCKET_PORT: '0' };
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { cwd: root, env, timeout: 60_000 }, (_error, _stdout, stderr) =>
        resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(code).toBe(1);
    expect(stderr).toContain('The local stack could not start:');
    for (const name of Object.keys(bad)) expect(stderr).toContain(`${name}: `);
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it("the README's configuration table lists every variable of the catalogue", () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    const listed = new Set([...section.matchAll(/^\|([^|]+)\|/gm)].flatMap((row) => [...row[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!)));
    expect(Object.keys(configCatalogue).filter((name) => !listed.has(name))).toEqual([]);
  });
});
