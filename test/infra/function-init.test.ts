/**
 * Every function must start with exactly the environment CDK gives it. Config is parsed at
 * import and fails fast, so a handler that (transitively) reads a variable its `access`
 * doesn't grant would crash at cold start in AWS while every other test, which sets all
 * variables, stays green. This bundles all functions as the synth does (one esbuild run,
 * `esbuildOptionsForAll`) and imports each bundle in a fresh Node 22 process with only the
 * variables from the synthesized template.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptionsForAll, repoRoot } from '../../infra/app-function.js';
import { defaultStack, logicalId } from '../support/synth-stack.js';

const { stack, template } = defaultStack();
const resources = template.toJSON().Resources as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;

/** Tokens (Ref, GetAtt, secrets) resolve at deploy time; a plausible value stands in. */
function stand_in(name: string, value: unknown): string {
  if (typeof value === 'string' && !value.includes('{{resolve:')) return value;
  if (name === 'JWT_SECRET') return 'x'.repeat(48);
  if (name.endsWith('_URL')) return 'https://sqs.us-east-1.amazonaws.com/000000000000/queue';
  return `${name.toLowerCase()}-value`;
}

const workDir = mkdtempSync(path.join(tmpdir(), 'function-init-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** One esbuild run for every function: `<workDir>/<function id>/index.mjs`. */
beforeAll(async () => {
  const entries = Object.fromEntries([...stack.functions].map(([id, fn]) => [id, path.join(repoRoot, fn.handlerFile)]));
  await build({ ...esbuildOptionsForAll(entries, workDir), absWorkingDir: repoRoot, logLevel: 'error' });
}, 300_000);

describe('every function starts with only the environment CDK gives it', () => {
  for (const [id, fn] of stack.functions) {
    it(id, () => {
      const logical = logicalId(fn);
      const variables = resources[logical]!.Properties.Environment?.Variables ?? {};
      const env = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, stand_in(name, value)]));
      const outdir = path.join(workDir, id);
      const child = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(path.join(outdir, 'index.mjs')).href)}); if (typeof m.handler !== 'function') throw new Error('no handler export');`],
        // Lambda's runtime adds the region and the role's credentials.
        { env: { ...env, PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, encoding: 'utf8' },
      );
      expect(child.stderr.match(/Error: Invalid configuration[^\n]*/)?.[0] ?? child.stderr.trim()).toBe('');
      expect(child.status).toBe(0);
    });
  }
});
