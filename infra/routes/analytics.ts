import { analyticsQuerySchema, analyticsSchema } from '../../shared/schemas/orders.js';
import type { RouteDefinition } from '../route-types.js';

export const analyticsRoutes = {
  getAnalytics: {
    method: 'GET', path: '/admin/analytics', handler: 'functions/admin/analytics.ts', auth: 'admin',
    access: { table: 'read' }, summary: 'Sales figures for a date range (default: the last 30 days)', tag: 'Analytics',
    schemas: { query: analyticsQuerySchema, response: { status: 200, schema: analyticsSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
