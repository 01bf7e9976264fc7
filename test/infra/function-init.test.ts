/**
 * Every function must start with exactly the environment CDK gives it. Config is parsed at
 * import and fails fast, so a handler that (transitively) reads a variable its `access`
 * doesn't grant would crash at cold start in AWS while every other test, which sets all
 * variables, stays green. This bundles all functions as the synth does (one esbuild run,
 * `esbuildOptionsForAll`) and imports each bundle in a fresh Node 22 process with only the
 * variables from the synthesized template.
 *
 * Secrets: a fake Secrets Manager (AWS_ENDPOINT_URL_SECRETS_MANAGER) answers GetSecretValue
 * and records what each function reads: at init, and for a route that authenticates, on its
 * first request (the pipeline loads the token code then; a bogus token gets its 401). Every
 * secret named by a `*_ARN` variable is read, so no function holds a grant it does not use
 * (test/infra/secrets.test.ts: each grant matches its variable).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptionsForAll, repoRoot } from '../../infra/app-function.js';
import { routeList } from '../../infra/routes.js';
import { apiEvent } from '../support/api-gateway-event.js';
import { defaultStack, logicalId } from '../support/synth-stack.js';

const { stack, template } = defaultStack();
const resources = template.toJSON().Resources as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;

/** Tokens (Ref, GetAtt) resolve at deploy time; a plausible value stands in. */
function stand_in(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (name.endsWith('_ARN')) return `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`;
  if (name.endsWith('_URL')) return 'https://sqs.us-east-1.amazonaws.com/000000000000/queue';
  return `${name.toLowerCase()}-value`;
}

/** What the fake Secrets Manager answers, by the variable that named the secret. */
const SECRET_VALUES: Record<string, string> = {
  JWT_SECRET_ARN: 'x'.repeat(48),
  ADMIN_PASSWORD_ARN: 'admin-password-from-secrets-manager',
  STRIPE_SECRET_KEY_ARN: 'sk_test_from_secrets_manager',
  STRIPE_WEBHOOK_SECRET_ARN: 'whsec_from_secrets_manager',
};

const routesByFunction = new Map(routeList.map((route) => [`Route${route.id.charAt(0).toUpperCase()}${route.id.slice(1)}`, route]));
const MARK = '(init done)';

/** SecretIds asked for since the last reset; MARK where the child finished its import. */
let requested: string[] = [];
let secretsManager: Server;
let endpoint: string;

const workDir = mkdtempSync(path.join(tmpdir(), 'function-init-'));

beforeAll(async () => {
  secretsManager = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/mark') {
        requested.push(MARK);
        res.end();
        return;
      }
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      const variable = Object.keys(SECRET_VALUES).find((name) => SecretId?.includes(`:secret:${name}-`));
      requested.push(String(SecretId));
      const target = String(req.headers['x-amz-target']);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'secretsmanager.GetSecretValue' || !variable) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: `unexpected ${target} ${SecretId}` }));
        return;
      }
      res.end(JSON.stringify({ ARN: SecretId, Name: variable, SecretString: SECRET_VALUES[variable], VersionId: 'v1' }));
    });
  });
  await new Promise<void>((resolve) => secretsManager.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`;
  // One esbuild run for every function: `<workDir>/<function id>/index.mjs`.
  const entries = Object.fromEntries([...stack.functions].map(([id, fn]) => [id, path.join(repoRoot, fn.handlerFile)]));
  await build({ ...esbuildOptionsForAll(entries, workDir), absWorkingDir: repoRoot, logLevel: 'error' });
}, 300_000);

afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await new Promise((resolve) => secretsManager?.close(resolve));
});

describe('every function starts with only the environment CDK gives it', () => {
  for (const [id, fn] of stack.functions) {
    it(id, async () => {
      const logical = logicalId(fn);
      const variables = resources[logical]!.Properties.Environment?.Variables ?? {};
      const env = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, stand_in(name, value)]));
      const bundle = pathToFileURL(path.join(workDir, id, 'index.mjs')).href;
      const route = routesByFunction.get(id);
      const authenticates = route !== undefined && route.auth !== 'public';
      // A route that authenticates then gets one request with a bogus token (a 401).
      const request = authenticates
        ? `const r = await m.handler(${JSON.stringify(apiEvent(route, { token: 'not.a.token', path: {}, body: {} }))}, { awsRequestId: 'init-test', functionName: ${JSON.stringify(id)}, getRemainingTimeInMillis: () => 10000 }); process.stdout.write('\\nSTATUS=' + r.statusCode);`
        : '';
      const script =
        `const m = await import(${JSON.stringify(bundle)}); if (typeof m.handler !== 'function') throw new Error('no handler export');` +
        `await fetch(${JSON.stringify(`${endpoint}/mark`)}); ${request}`;
      requested = [];
      // Asynchronous, so the fake Secrets Manager in this process can answer meanwhile.
      const result = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          // Lambda's runtime adds the region and the role's credentials.
          env: {
            ...env,
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'a',
            AWS_SECRET_ACCESS_KEY: 'b',
            AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
          },
          encoding: 'utf8',
        },
      ).catch((error: { stderr?: string; stdout?: string; message: string }) => ({ stderr: error.stderr ?? error.message, stdout: error.stdout ?? '', failed: true }));
      expect(result.stderr.match(/Error: Invalid configuration[^\n]*/)?.[0] ?? result.stderr.trim()).toBe('');
      expect('failed' in result).toBe(false);
      if (authenticates) expect(/STATUS=(\d+)/.exec(result.stdout)?.[1], 'status of the bogus-token request').toBe('401');
      const granted = Object.keys(env).filter((name) => name.endsWith('_ARN')).map((name) => env[name]);
      expect(requested.filter((r) => r !== MARK).sort(), 'secrets read').toEqual(granted.sort());
      if (!authenticates) expect(requested.at(-1), 'everything read at init').toBe(MARK);
    });
  }
});
