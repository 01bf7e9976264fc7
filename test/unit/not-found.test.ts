/**
 * Issue 12.10: a request no route matches answers 404 NOT_FOUND in the error envelope with
 * `x-request-id`, like every other error: the `$default` route's handler on AWS, the local
 * gateway's fallback under `npm start` (the same handler).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../infra/local/gateway.js';
import { routes } from '../../infra/routes.js';
import { defaultRoute } from '../../infra/routes/service.js';
import { handler } from '../../functions/service/not-found.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('the $default route', () => {
  it('is exported for the stack: its own handler file, public, no access, outside the route table', () => {
    expect(defaultRoute).toMatchObject({ routeKey: '$default', handler: 'functions/service/not-found.ts', auth: 'public', access: {} });
    expect(Object.values(routes).map((route) => route.handler)).not.toContain(defaultRoute.handler);
  });

  it('answers 404 NOT_FOUND in the envelope with the request id', async () => {
    const response = await invoke(handler, { ...apiEvent({ method: 'DELETE', path: '/no/such/thing' }), routeKey: '$default' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toEqual({ error: { code: 'NOT_FOUND', message: 'Route DELETE /no/such/thing not found', details: {}, requestId: expect.any(String) } });
    expect(response.headers['x-request-id']).toBe(response.body.error.requestId);
  });
});

describe('the local gateway', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ port: 0, routes: [{ id: 'health', ...routes.health }], defaultRoute, repoRoot, log: () => {} });
  });
  afterAll(() => gateway.close());

  it.each([
    ['GET', '/nope'],
    ['POST', '/orders/x/y/z'],
    ['DELETE', '/health'],
  ])('%s %s: 404 in the envelope with x-request-id (was {"message":"Not Found"})', async (method, url) => {
    const response = await fetch(`${gateway.url}${url}`, { method, ...(method === 'POST' ? { body: '{"a":1}', headers: { 'content-type': 'application/json' } } : {}) });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(response.headers.get('x-request-id')).toBe(body.error.requestId);
  });

  it('still routes known paths', async () => {
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });
});
