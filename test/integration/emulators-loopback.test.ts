/**
 * Issue 12.14: every emulator the tests and `npm start` run listens on 127.0.0.1 only, DynamoDB
 * Local included (its jar has no host option: infra/local/DynamoDbLocalOnLoopback.java). Read from
 * the kernel's socket table (/proc/net/tcp, tcp6): the listening address of each port. And
 * starting the emulators prints no SQLite ExperimentalWarning (fauxqs loads node:sqlite).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Listening addresses of a TCP port, as `127.0.0.1`, `0.0.0.0`, `::`, `::ffff:127.0.0.1`, ... */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A' || !local.endsWith(`:${hexPort}`)) continue;
      const hex = local.split(':')[0]!;
      if (hex.length === 8) found.push(hex.match(/../g)!.reverse().map((byte) => parseInt(byte, 16)).join('.'));
      else if (/^0{32}$/.test(hex)) found.push('::');
      else if (/^0{16}FFFF0000/.test(hex)) found.push(`::ffff:${hex.slice(24).match(/../g)!.reverse().map((byte) => parseInt(byte, 16)).join('.')}`);
      else found.push(hex);
    }
  }
  return found;
}

const portOf = (url: string | undefined) => Number(new URL(url!).port);

describe('emulators listen on 127.0.0.1 only', () => {
  it.each([
    ['DynamoDB Local', () => process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS],
    ['the conflict proxy', () => process.env.AWS_ENDPOINT_URL_DYNAMODB],
    ['fauxqs (SQS, S3)', () => process.env.AWS_ENDPOINT_URL_SQS],
    ['aws-ses-v2-local', () => process.env.AWS_ENDPOINT_URL_SESV2],
  ])('%s', (_name, endpoint) => {
    const addresses = listeningAddresses(portOf(endpoint()));
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(['127.0.0.1', '::ffff:127.0.0.1']).toContain(address);
  });
});

describe('start-up warnings', () => {
  const repoRoot = path.resolve(import.meta.dirname, '../..');
  const tsx = path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
  /** Runs `code` (an expression returning a promise) in a fresh Node process, as npm start runs; its stderr. */
  function stderrOf(code: string): string {
    const run = spawnSync(process.execPath, [tsx, '-e', `(${code}).then(() => console.log('done'))`], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(run.stdout, run.stderr).toContain('done');
    return run.stderr;
  }

  it('loading fauxqs alone prints the SQLite ExperimentalWarning (what npm start showed)', () => {
    expect(stderrOf("import('fauxqs')")).toContain('ExperimentalWarning: SQLite');
  });

  it('starting and stopping the emulators as npm start does prints no ExperimentalWarning', () => {
    expect(stderrOf("import('./infra/local/emulators.ts').then(async (m) => (await m.startEmulators()).stop())")).not.toContain('ExperimentalWarning');
  });
});
