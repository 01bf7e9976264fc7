/**
 * Fast synth: all functions of an app are bundled by ONE esbuild run (infra/function-bundles.ts),
 * and each function still gets its own asset whose files are byte-identical to a one-entry
 * esbuild build with the same options (what NodejsFunction produced per function before).
 * This test bundles for real (bundling is on for this app) with a few small handlers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppFunction, esbuildOptionsFor, esbuildOptionsForAll, repoRoot } from '../../infra/app-function.js';
import { FunctionBundles } from '../../infra/function-bundles.js';
import { routeList } from '../../infra/routes.js';
import { OrderManagementStack } from '../../infra/stack.js';
import { logicalId, templateOf, testAppContext, testStackProps } from '../support/synth-stack.js';

const outdir = mkdtempSync(path.join(tmpdir(), 'function-bundles-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

let app: App;
let stack: OrderManagementStack;
let template: Template;
let buildsAfterStack: number;

beforeAll(() => {
  const { 'aws:cdk:bundling-stacks': _skipped, ...context } = testAppContext();
  app = new App({ outdir, context });
  stack = new OrderManagementStack(app, 'Bundled', {
    ...testStackProps,
    routes: routeList.filter((route) => route.id === 'health' || route.id === 'openApi'),
    consumers: [],
    schedules: [],
  });
  buildsAfterStack = FunctionBundles.of(stack).builds;
  // A function the stack did not announce (e.g. added by hand later) still gets its bundle.
  new AppFunction(stack, 'Unannounced', { handlerFile: 'bench/fixtures/get-item-floor.ts', commonEnv: {} });
  template = templateOf(stack);
}, 300_000);

/** The staged asset directory of a function (its code asset, construct id `Code`). */
function assetDir(fn: AppFunction): string {
  return path.resolve(outdir, (fn.node.findChild('Code') as Asset).assetPath);
}

describe('function bundling at synth', () => {
  it('bundles all functions the stack announced in one esbuild run', () => {
    // The two routes, the admin seed and whatever the stack always adds (e.g. stream consumers).
    expect(stack.functions.size).toBeGreaterThanOrEqual(3);
    expect(buildsAfterStack).toBe(1);
  });

  it('bundles a function nobody announced on its own, and only that one', () => {
    expect(FunctionBundles.of(stack).builds).toBe(2);
    expect(readdirSync(assetDir(stack.node.findChild('Unannounced') as AppFunction)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });

  it('gives every function its own asset: index.mjs and its map, nothing else', () => {
    const dirs = [...stack.functions.values()].map(assetDir);
    expect(new Set(dirs).size).toBe(dirs.length);
    for (const dir of dirs) expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });

  it('never splits code: each bundle is self-contained (no imports of sibling chunks)', () => {
    expect(esbuildOptionsForAll({ a: 'a.ts' }, outdir).splitting).toBe(false);
    for (const fn of stack.functions.values()) {
      const code = readFileSync(path.join(assetDir(fn), 'index.mjs'), 'utf8');
      expect(code, fn.handlerFile).not.toMatch(/(?:from|import)\s*\(?\s*["']\.{1,2}\//);
    }
  });

  it('produces exactly the bytes of a one-function esbuild build with the same options', async () => {
    for (const [id, fn] of stack.functions) {
      // Same depth below the assembly as the shared build, so source-map paths compare equal.
      const single = path.join(outdir, `single-${id}`);
      await build({ ...esbuildOptionsFor(path.join(repoRoot, fn.handlerFile), single), absWorkingDir: repoRoot, logLevel: 'error' });
      for (const file of ['index.mjs', 'index.mjs.map']) {
        expect(readFileSync(path.join(assetDir(fn), file)).equals(readFileSync(path.join(single, file))), `${id} ${file}`).toBe(true);
      }
    }
  }, 300_000);

  it('uses the Lambda handler index.handler on Node 22 arm64', () => {
    for (const fn of stack.functions.values()) {
      expect(template.toJSON().Resources[logicalId(fn)].Properties).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
      });
    }
  });
});
