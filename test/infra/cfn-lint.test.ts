/**
 * cfn-lint (with the repository's .cfnlintrc) finds nothing in the synthesized template.
 * `.ci/run` lints the real `cdk synth` output too; this catches a lint finding in `npm test`.
 * Skipped where cfn-lint is not installed (`pip install cfn-lint`); `.ci/run` installs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/app-function.js';
import { defaultStack, synthApp } from '../support/synth-stack.js';

const available = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
const config = path.join(repoRoot, '.cfnlintrc');
const workDir = mkdtempSync(path.join(tmpdir(), 'cfn-lint-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Runs cfn-lint as CI does (fails on errors and warnings) on one template. */
function lint(template: unknown): { status: number | null; output: string } {
  const file = path.join(workDir, `t${Math.random().toString(36).slice(2)}.template.json`);
  writeFileSync(file, JSON.stringify(template, null, 1));
  // cwd: the work dir, so the `templates` glob of .cfnlintrc (cdk.out/**) matches nothing.
  const run = spawnSync('cfn-lint', ['--config-file', config, '--non-zero-exit-code', 'warning', file], {
    cwd: workDir,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

describe.skipIf(!available)('cfn-lint', () => {
  it('reports no error or warning on the synthesized stack', () => {
    const result = lint(defaultStack().template.toJSON());
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);

  it('reports nothing on every template of the app as `cdk synth` defines it (tags, nested stacks), dev and prod', () => {
    const prod = { stage: 'prod', appBaseUrl: 'https://shop.acme.io', emailFrom: 'shop@acme.io', corsAllowedOrigins: 'https://shop.acme.io' };
    for (const context of [{}, prod]) {
      for (const stack of synthApp(context)) {
        const result = lint(stack.template);
        expect(result.output, stack.stackName).toBe('');
        expect(result.status, stack.stackName).toBe(0);
      }
    }
  }, 300_000);

  it('fails on a broken template (the check is live)', () => {
    const result = lint({ Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon' } } } });
    expect(result.output).toContain('E3012');
    expect(result.status).not.toBe(0);
  }, 120_000);
});

describe('.cfnlintrc', () => {
  it('ignores a rule only with a written reason (a comment right above it)', () => {
    const lines = readFileSync(config, 'utf8').split('\n');
    const start = lines.findIndex((line) => line.startsWith('ignore_checks:'));
    const ignored = lines
      .map((line, i) => ({ line, i }))
      .filter(({ line, i }) => i > start && /^\s+-\s+[EWI]\d+/.test(line));
    for (const { line, i } of ignored) expect(lines[i - 1], line).toMatch(/^\s+#\s+\S/);
  });
});
