import { describe, expect, it } from 'vitest';
import { routeList } from '../../infra/routes.js';
import { api, target } from './client.js';

describe('service endpoints over HTTP', () => {
  it('GET /health', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('GET /openapi.json documents every route of the route table', async () => {
    const response = await api('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const documented = Object.entries(response.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routeList.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('answers unknown routes with 404 NOT_FOUND in the error envelope and x-request-id (the $default route)', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/orders/a/b/c'], ['DELETE', '/health']] as const) {
      const response = await api(method, path);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND', details: {}, requestId: expect.any(String) } });
      expect(response.headers.get('x-request-id')).toBe(response.body.error.requestId);
    }
  });

  it('answers CORS preflights', async () => {
    const response = await fetch(`${target.apiUrl}/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });
});
