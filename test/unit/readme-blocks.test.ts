/**
 * Issue 12.12: every shell block of the README pastes. Each ```sh / ```bash block is
 *   1. checked with `bash -n` (syntax),
 *   2. linted for what `bash -n` accepts but breaks a paste: a `\` continuation followed by a
 *      comment or spaces (bash ends the command there, and the next `-c …` line becomes a
 *      command of its own), and unquoted `<placeholder>`s (bash reads them as redirections),
 *   3. run with `bash -e -o pipefail` in a scratch directory with the external commands it
 *      calls (npm, npx, curl, aws, awslocal) replaced by stubs that record their arguments:
 *      every line must run, and multi-line commands must reach their program as one call.
 * test/e2e/readme.test.ts runs the quick-start block for real against the local stack.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pasteProblems, shellBlocks } from '../support/readme-blocks.js';

const readme = readFileSync(process.env.README_UNDER_TEST ?? path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** Stubs for the programs README blocks call; each appends `name args…` (NUL-separated) to calls.log. */
function sandbox(): { dir: string; calls: () => string[][] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'readme-'));
  const bin = path.join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  const json = JSON.stringify({ accessToken: 'access', refreshToken: 'refresh', items: [{ id: 'user-1' }], uploadUrl: 'http://127.0.0.1:9/upload' });
  for (const name of ['npm', 'npx', 'curl', 'aws', 'awslocal']) {
    const file = path.join(bin, name);
    const answer = name === 'curl' ? `printf '%s' '${json}'` : name === 'awslocal' ? "printf 'secret'" : ':';
    writeFileSync(file, `#!/usr/bin/env bash\nprintf '%s\\0' ${name} "$@" >> "${dir}/calls.log"\nprintf '\\n' >> "${dir}/calls.log"\n${answer}\n`);
    chmodSync(file, 0o755);
  }
  writeFileSync(path.join(dir, 'mug.png'), Buffer.alloc(1234));
  writeFileSync(path.join(dir, 'cdk-outputs.json'), JSON.stringify({ OrderManagement: { ApiUrl: 'https://api.example.test/', AdminPasswordSecretArn: 'arn:secret' } }));
  const calls = () => {
    try {
      return readFileSync(path.join(dir, 'calls.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((entry) => entry.split('\0').filter(Boolean));
    } catch {
      return [];
    }
  };
  return { dir, calls };
}

const blocks = shellBlocks(readme);

describe('README shell blocks', () => {
  it('finds the blocks (quick start, deploy, redrive, LocalStack, image upload, ...)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it('the lint catches what broke the deploy block (issue 12.12) and unquoted placeholders', () => {
    const broken = 'npx cdk deploy \\\n  -c stage=prod \\     # a comment\n  -c emailFrom=a@b.c\n';
    expect(spawnSync('bash', ['-n'], { input: broken }).status).toBe(0); // bash -n alone misses it
    expect(pasteProblems(broken).length).toBeGreaterThan(0);
    expect(pasteProblems('curl -X PATCH localhost:3000/users/<id>\n')).toEqual([expect.stringContaining('<id>')]);
    expect(pasteProblems("curl -d '{\"token\":\"<from the email>\"}' \"$(wc -c < mug.png)\"\n")).toEqual([]);
  });

  for (const block of blocks) {
    describe(`block at README.md:${block.line}`, () => {
      it('passes bash -n and the paste lint', () => {
        const syntax = spawnSync('bash', ['-n'], { input: block.code, encoding: 'utf8' });
        expect(syntax.stderr).toBe('');
        expect(syntax.status).toBe(0);
        expect(pasteProblems(block.code)).toEqual([]);
      });

      it('runs line by line with its external commands stubbed (nothing leaves the machine)', () => {
        const { dir, calls } = sandbox();
        const env = { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, HOME: dir, ADMIN: 'admin-token' };
        const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block.code], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
        expect(run.stderr).not.toMatch(/command not found|No such file/);
        expect(run.status, run.stderr).toBe(0);
        expect(calls().length).toBeGreaterThan(0);
        // A command continued over several lines reaches its program as one call.
        const deploy = calls().find((call) => call.slice(0, 3).join(' ') === 'npx cdk deploy');
        if (deploy) expect(deploy.filter((arg) => arg === '-c').length).toBe(block.code.split('-c ').length - 1);
      });
    });
  }
});
