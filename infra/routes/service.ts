import { healthSchema, openApiDocumentSchema } from '../../shared/schemas/service.js';
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
} as const satisfies Record<string, RouteDefinition>;
