/**
 * Issue 12.11: /openapi.json is complete and lints clean with a real OpenAPI linter
 * (@redocly/openapi-core, its `recommended` rules; a dev dependency, in no Lambda bundle):
 * zero errors, and the only warnings are the exceptions listed below, each with its reason.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { routeList } from '../../infra/routes.js';
import { API_LICENSE, buildOpenApiDocument } from '../../shared/http/openapi.js';

/** Warnings accepted, by rule and JSON pointer, each with why. */
const EXCEPTIONS: Record<string, string> = {
  'operation-4xx-response #/paths/~1health/get/responses': 'GET /health takes no input and has no 4xx answer (an unknown path is the $default route, not this operation)',
  'operation-4xx-response #/paths/~1openapi.json/get/responses': 'GET /openapi.json takes no input and has no 4xx answer',
  'operation-4xx-response #/paths/~1docs/get/responses': 'GET /docs takes no input and has no 4xx answer',
};

type Doc = { paths: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean }[]; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, unknown> }> }>>; servers?: { url: string }[]; info: { license?: unknown } };
let doc: Doc;
let problems: Awaited<ReturnType<typeof lintFromString>>;

beforeAll(async () => {
  doc = buildOpenApiDocument() as unknown as Doc;
  const config = await createConfig({ extends: ['recommended'] });
  problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: '/openapi.json', config });
});

const key = (problem: (typeof problems)[number]) => `${problem.ruleId} ${problem.location[0]?.pointer ?? ''}`;

describe('OpenAPI lint (redocly recommended)', () => {
  it('no errors', () => {
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${key(p)}: ${p.message}`)).toEqual([]);
  });

  it('no warnings but the justified exceptions, and every exception still needed', () => {
    const warnings = problems.filter((p) => p.severity === 'warn').map(key);
    expect(warnings.filter((w) => !(w in EXCEPTIONS))).toEqual([]);
    expect(Object.keys(EXCEPTIONS).filter((e) => !warnings.includes(e))).toEqual([]);
  });
});

describe('OpenAPI completeness', () => {
  const header = (path: string, method: string, name: string) => doc.paths[path]![method]!.parameters?.find((p) => p.in === 'header' && p.name === name);

  it('Idempotency-Key is a documented header wherever it is accepted (required on refunds)', () => {
    for (const [path, method] of [['/orders', 'post'], ['/orders/{id}/payments', 'post']] as const) {
      const documented = header(path, method, 'Idempotency-Key');
      expect(documented, `${method} ${path}`).toBeDefined();
      expect(documented!.required ?? false).toBe(false);
    }
    expect(header('/orders', 'get', 'Idempotency-Key')).toBeUndefined();
    // Checkout ignores the header (its Stripe idempotency key comes from the order and the amount due): not documented.
    expect(header('/orders/{id}/checkout', 'post', 'Idempotency-Key')).toBeUndefined();
    // A route whose summary says the key is required documents it as required (refunds).
    for (const route of routeList.filter((r) => r.summary.includes('Idempotency-Key required'))) {
      expect(header(route.path, route.method.toLowerCase(), 'Idempotency-Key'), route.id).toMatchObject({ required: true });
    }
  });

  it('every 429 declares its Retry-After header', () => {
    const limited = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { responses?: Record<string, { headers?: Record<string, unknown> }> }>).flatMap(([method, operation]) =>
        operation.responses?.['429'] ? [{ at: `${method} ${path}`, headers: operation.responses['429'].headers }] : [],
      ),
    );
    expect(limited.map((l) => l.at)).toEqual(expect.arrayContaining(['post /auth/login', 'post /auth/register', 'post /auth/password/forgot', 'post /auth/password/reset', 'patch /me']));
    for (const { at, headers } of limited) expect(headers?.['Retry-After'], at).toMatchObject({ required: true });
  });

  it('the orders export answers text/csv', () => {
    expect(Object.keys(doc.paths['/orders/export']!.get!.responses['200']!.content!)).toEqual(['text/csv']);
  });

  it("the Stripe webhook: its body (a Stripe event), the Stripe-Signature header and the 400", () => {
    const webhook = doc.paths['/webhooks/stripe']!.post!;
    expect(header('/webhooks/stripe', 'post', 'Stripe-Signature')).toMatchObject({ required: true });
    expect(webhook.requestBody!.content['application/json']!.schema).toBeDefined();
    expect(webhook.responses['400']).toBeDefined();
  });

  it('servers and a license (the same as package.json)', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license).toEqual(API_LICENSE);
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { license?: string };
    expect(pkg.license).toBe(API_LICENSE.identifier);
  });
});
