import { analyticsQuerySchema, analyticsSchema } from '../../shared/schemas/orders.js';
import type { RouteDefinition } from '../route-types.js';

export const analyticsRoutes = {
  getAnalytics: {
    method: 'GET', path: '/admin/analytics', handler: 'functions/admin/analytics.ts', auth: 'admin',
    // The daily counters (BatchGet), the top products' names and the catalogue's products
    // (index items on gsi1 PRODUCTS, then BatchGet), the newest orders (gsi1 ORDERS#<n>, then BatchGet).
    access: { table: { mode: 'read', keys: ['STATS#*', 'PRODUCT#*', 'ORDER#*'], indexKeys: { gsi1: ['ORDERS#*', 'PRODUCTS'] } } }, summary: 'Sales figures for a date range (default: the last 30 days)', tag: 'Analytics',
    schemas: { query: analyticsQuerySchema, response: { status: 200, schema: analyticsSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
