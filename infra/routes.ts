/**
 * The one route table. The CDK stack makes one Lambda + API route per entry, the local
 * gateway mounts the same handlers, the HTTP pipeline reads `auth` and `schemas` from here,
 * and /openapi.json is generated from it. Adding a route means adding it to its area's file
 * under infra/routes/ (plain data plus zod schemas: no CDK imports, Lambda bundles import it).
 */
import type { RouteDefinition } from './route-types.js';
import { analyticsRoutes } from './routes/analytics.js';
import { authRoutes } from './routes/auth.js';
import { contactRoutes } from './routes/contact.js';
import { cartRoutes, orderRoutes } from './routes/orders.js';
import { paymentRoutes } from './routes/payments.js';
import { productImageRoutes } from './routes/product-images.js';
import { productRoutes } from './routes/products.js';
import { serviceRoutes } from './routes/service.js';
import { shipmentRoutes } from './routes/shipments.js';
import { userRoutes } from './routes/users.js';

/**
 * The route files by area. On AWS each area's functions and routes form a nested stack of
 * their own (infra/stack.ts: CloudFormation's 500-resource quota per stack), so an area's
 * routes stay together and adding one never moves another between stacks.
 */
export const routeAreas = {
  service: serviceRoutes,
  auth: authRoutes,
  users: userRoutes,
  contact: contactRoutes,
  products: productRoutes,
  productImages: productImageRoutes,
  cart: cartRoutes,
  orders: orderRoutes,
  payments: paymentRoutes,
  shipments: shipmentRoutes,
  analytics: analyticsRoutes,
} as const;

export type RouteArea = keyof typeof routeAreas;

export const routes = {
  ...serviceRoutes,
  ...authRoutes,
  ...userRoutes,
  ...contactRoutes,
  ...productRoutes,
  ...productImageRoutes,
  ...cartRoutes,
  ...orderRoutes,
  ...paymentRoutes,
  ...shipmentRoutes,
  ...analyticsRoutes,
} as const satisfies Record<string, RouteDefinition>;

export type RouteId = keyof typeof routes;

export const routeList: readonly (RouteDefinition & { id: string; area: RouteArea })[] = Object.entries(routeAreas).flatMap(
  ([area, group]) => Object.entries(group as Record<string, RouteDefinition>).map(([id, route]) => ({ id, area: area as RouteArea, ...route })),
);
