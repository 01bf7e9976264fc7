import { docsAssetPathSchema, docsAssetSchema, docsPageSchema, healthSchema, openApiDocumentSchema } from '../../shared/schemas/service.js';
import type { RouteDefinition } from '../route-types.js';

export const serviceRoutes = {
  health: {
    method: 'GET', path: '/health', handler: 'functions/service/health.ts', auth: 'public',
    access: {}, summary: 'Liveness check', tag: 'Service',
    schemas: { response: { status: 200, schema: healthSchema } },
  },
  openApi: {
    method: 'GET', path: '/openapi.json', handler: 'functions/service/openapi.ts', auth: 'public',
    access: {}, summary: 'This API as an OpenAPI 3.1 document', tag: 'Service',
    schemas: { response: { status: 200, schema: openApiDocumentSchema } },
  },
  // The API reference page (openapi-explorer from npm, no CDN): the page and, in its own
  // function so that only that bundle carries the 750 KB script, the script it loads.
  docs: {
    method: 'GET', path: '/docs', handler: 'functions/service/docs.ts', auth: 'public',
    access: {}, summary: 'Interactive API reference of /openapi.json (HTML page)', tag: 'Service',
    schemas: { response: { status: 200, schema: docsPageSchema, contentType: 'text/html' } },
  },
  docsAsset: {
    method: 'GET', path: '/docs/{asset}', handler: 'functions/service/docs-asset.ts', auth: 'public',
    access: {}, summary: 'Script of the API reference page (versioned name, cached for good)', tag: 'Service',
    schemas: { path: docsAssetPathSchema, response: { status: 200, schema: docsAssetSchema, contentType: 'text/javascript' } },
    errors: [404],
  },
} as const satisfies Record<string, RouteDefinition>;

/**
 * Every request no route matches: API Gateway's `$default` route on AWS (infra/stack.ts wires it
 * with this handler and access), the local gateway's fallback under `npm start`. It answers 404
 * NOT_FOUND in the error envelope with `x-request-id`, through the same HTTP pipeline as every
 * route, instead of API Gateway's own `{"message":"Not Found"}`. Not part of `routes` (no method
 * or path of its own, not in /openapi.json): `method` and `path` are placeholders.
 */
export const defaultRoute = {
  routeKey: '$default',
  method: 'GET',
  path: '/{proxy+}',
  handler: 'functions/service/not-found.ts',
  auth: 'public',
  access: {},
  summary: 'Any request no route matches: 404 NOT_FOUND in the error envelope',
  tag: 'Service',
  schemas: { response: { status: 404 } },
} as const satisfies RouteDefinition & { routeKey: '$default' };
