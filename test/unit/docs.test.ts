/**
 * The API reference page (`GET /docs`) and its script (`GET /docs/{asset}`): a page that
 * loads nothing but same-origin resources under a strict CSP, the script served as the
 * package ships it (plain or gzipped), and, in the Lambda bundles built as the synth builds
 * them, the 750 KB script only in the asset function. The page rendering the endpoints in a
 * real browser is test/e2e/docs.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { handler as docsAsset } from '../../functions/service/docs-asset.js';
import { handler as docsPage } from '../../functions/service/docs.js';
import { esbuildOptionsForAll, repoRoot } from '../../infra/app-function.js';
import { routes } from '../../infra/routes.js';
import { EXPLORER_ASSET } from '../../shared/docs/api-reference.js';
import { buildOpenApiDocument } from '../../shared/http/openapi.js';
import { apiEvent, lambdaContext } from '../support/api-gateway-event.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
const call = async (handler: Handler, event: APIGatewayProxyEventV2) => (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2 & { headers: Record<string, string>; body: string };

const explorerFile = createRequire(import.meta.url).resolve('openapi-explorer/dist/browser/openapi-explorer.min.js');
const explorerScript = readFileSync(explorerFile, 'utf8');
/** Where the page is served in these tests; every URL it references must stay on this origin. */
const pageUrl = 'https://api.example.com/docs';

/** The page's CSP as directive → sources. */
function cspOf(header: string | undefined): Map<string, string[]> {
  return new Map((header ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => { const [name, ...sources] = d.split(/\s+/); return [name!, sources]; }));
}

describe('GET /docs', () => {
  it('is a public route without AWS access, documented as text/html in /openapi.json', () => {
    expect(routes.docs).toMatchObject({ method: 'GET', path: '/docs', auth: 'public', access: {} });
    expect(routes.docsAsset).toMatchObject({ method: 'GET', path: '/docs/{asset}', auth: 'public', access: {} });
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    expect(Object.keys(paths['/docs']!.get!.responses['200']!.content!)).toEqual(['text/html']);
    expect(Object.keys(paths['/docs/{asset}']!.get!.responses['200']!.content!)).toEqual(['text/javascript']);
    expect(Object.keys(paths['/docs/{asset}']!.get!.responses)).toContain('404');
  });

  it('answers an HTML page with a strict Content-Security-Policy', async () => {
    const response = await call(docsPage, apiEvent(routes.docs));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-request-id']).toBeTruthy();
    expect(response.body).toMatch(/^<!doctype html>/i);
    const csp = cspOf(response.headers['content-security-policy']);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    // Scripts and requests only from this API: no inline script, no eval, no other host.
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    for (const [directive, sources] of csp) {
      for (const source of sources) expect(source, `${directive} ${source}`).toMatch(/^('self'|'none'|'unsafe-inline'|data:)$/);
    }
    expect(csp.get('style-src')).not.toContain('data:');
  });

  it('has no inline script and references only resources of this API', async () => {
    const html = (await call(docsPage, apiEvent(routes.docs))).body;
    // Every <script> has a src and no content; no inline event handlers, no javascript: URLs.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    for (const [, attributes, content] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(content!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/<style\b|\sstyle\s*=/i);
    // src, href and the explorer's spec-url: relative to the page (so a base path works) and same-origin.
    const urls = [...html.matchAll(/\s(src|href|spec-url)="([^"]*)"/g)].map(([, attribute, value]) => ({ attribute, value: value! }));
    expect(urls.map((u) => u.attribute).sort()).toEqual(['href', 'spec-url', 'src']);
    for (const { value } of urls) {
      if (value.startsWith('data:')) continue;
      expect(value).not.toMatch(/^([a-z]+:|\/\/)/i);
      expect(new URL(value, pageUrl).origin).toBe(new URL(pageUrl).origin);
    }
    const resolved = Object.fromEntries(urls.map((u) => [u.attribute, new URL(u.value, pageUrl).pathname]));
    expect(resolved['spec-url']).toBe(routes.openApi.path);
    expect(resolved.src).toBe(`/docs/${EXPLORER_ASSET}`);
  });
});

describe('GET /docs/{asset}', () => {
  const assetEvent = (asset: string, headers: Record<string, string> = {}) => apiEvent(routes.docsAsset, { path: { asset }, headers });

  it("serves the page's script exactly as the package ships it, cacheable for good", async () => {
    expect(EXPLORER_ASSET).toMatch(/^openapi-explorer-\d+\.\d+\.\d+\.min\.js$/);
    const response = await call(docsAsset, assetEvent(EXPLORER_ASSET));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.isBase64Encoded ?? false).toBe(false);
    expect(response.body).toBe(explorerScript);
  });

  it('gzips it when the client accepts gzip (API Gateway does not compress)', async () => {
    const response = await call(docsAsset, assetEvent(EXPLORER_ASSET, { 'accept-encoding': 'gzip, deflate, br' }));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers.vary).toContain('accept-encoding');
    expect(response.isBase64Encoded).toBe(true);
    const bytes = gunzipSync(Buffer.from(response.body, 'base64'));
    expect(bytes.toString('utf8')).toBe(explorerScript);
    expect(Buffer.from(response.body, 'base64').length).toBeLessThan(explorerScript.length / 2);
    // gzip refused explicitly: plain text.
    const refused = await call(docsAsset, assetEvent(EXPLORER_ASSET, { 'accept-encoding': 'gzip;q=0, identity' }));
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body).toBe(explorerScript);
  });

  it('answers 404 for any other name (no file system behind it)', async () => {
    for (const asset of ['openapi-explorer.min.js', 'openapi-explorer-0.0.1.min.js', '../package.json', 'x'.repeat(50)]) {
      const response = await call(docsAsset, assetEvent(asset));
      expect(response.statusCode, asset).toBe(404);
      expect(JSON.parse(response.body).error.code).toBe('NOT_FOUND');
    }
  });
});

describe('Lambda bundles of the docs functions (one esbuild run, as the synth builds them)', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'docs-bundles-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  const marker = 'customElements.define("openapi-explorer"';

  it('inline the script in the asset function only, and the bundled asset function serves it', async () => {
    const entries = { docs: path.join(repoRoot, routes.docs.handler), docsAsset: path.join(repoRoot, routes.docsAsset.handler), health: path.join(repoRoot, routes.health.handler) };
    await build({ ...esbuildOptionsForAll(entries, workDir), absWorkingDir: repoRoot, logLevel: 'error' });
    const bundle = (id: string) => readFileSync(path.join(workDir, id, 'index.mjs'), 'utf8');
    expect(bundle('docsAsset')).toContain(marker);
    expect(bundle('docs')).not.toContain(marker);
    expect(bundle('health')).not.toContain(marker);
    // The page adds a few KiB over the smallest route; the script ~750 KiB, to its function only.
    expect(bundle('docs').length - bundle('health').length).toBeLessThan(16 * 1024);
    expect(bundle('docsAsset').length - bundle('docs').length).toBeGreaterThan(explorerScript.length * 0.95);
    // Not read from node_modules at run time: the bundled function answers with the inlined text.
    const { handler } = (await import(pathToFileURL(path.join(workDir, 'docsAsset', 'index.mjs')).href)) as { handler: Handler };
    const response = await call(handler, apiEvent(routes.docsAsset, { path: { asset: EXPLORER_ASSET } }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(explorerScript);
  }, 120_000);
});
