import * as z from 'zod';
import { idParamSchema } from '../../shared/schemas/common.js';
import { paymentSchema } from '../../shared/schemas/payments.js';
import { shipmentSchema } from '../../shared/schemas/shipments.js';
import {
  cartLinePathSchema,
  cartSchema,
  changeStatusBodySchema,
  exportOrdersQuerySchema,
  listOrdersQuerySchema,
  orderListSchema,
  orderSchema,
  placeOrderBodySchema,
  setCartLineBodySchema,
} from '../../shared/schemas/orders.js';
import type { RouteDefinition } from '../route-types.js';

/** GET /orders/{id}: the order with its payments and shipments. */
const orderDetailSchema = orderSchema
  .extend({ payments: z.array(paymentSchema), shipments: z.array(shipmentSchema) })
  .meta({ id: 'OrderDetail' });

export const cartRoutes = {
  getCart: {
    method: 'GET', path: '/cart', handler: 'functions/cart/get.ts', auth: 'user',
    access: { table: 'read' }, summary: 'The cart: live holds with current prices', tag: 'Cart',
    schemas: { response: { status: 200, schema: cartSchema } },
  },
  setCartLine: {
    method: 'PUT', path: '/cart/items/{productId}', handler: 'functions/cart/set-line.ts', auth: 'user',
    access: { table: 'write' }, summary: 'Hold this quantity (reserves or releases the difference; renews the hold)',
    tag: 'Cart', errors: [404, 409],
    schemas: { path: cartLinePathSchema, body: setCartLineBodySchema, response: { status: 200, schema: cartSchema } },
  },
  removeCartLine: {
    method: 'DELETE', path: '/cart/items/{productId}', handler: 'functions/cart/remove-line.ts', auth: 'user',
    access: { table: 'write' }, summary: 'Release one line', tag: 'Cart',
    schemas: { path: cartLinePathSchema, response: { status: 200, schema: cartSchema } },
  },
  clearCart: {
    method: 'DELETE', path: '/cart', handler: 'functions/cart/clear.ts', auth: 'user',
    access: { table: 'write' }, summary: 'Release every line', tag: 'Cart',
    schemas: { response: { status: 204 } },
  },
} as const satisfies Record<string, RouteDefinition>;

export const orderRoutes = {
  placeOrder: {
    method: 'POST', path: '/orders', handler: 'functions/orders/place.ts', auth: 'user',
    access: { table: 'write', sendTo: ['orderEvents'] },
    summary: 'Place an order from the cart or from items (Idempotency-Key supported)', tag: 'Orders',
    errors: [404, 409, 422, 503],
    schemas: { body: placeOrderBodySchema, response: { status: 201, schema: orderSchema } },
  },
  listOrders: {
    method: 'GET', path: '/orders', handler: 'functions/orders/list.ts', auth: 'user',
    access: { table: 'read' }, summary: 'Orders, newest first (customers: their own)', tag: 'Orders',
    schemas: { query: listOrdersQuerySchema, response: { status: 200, schema: orderListSchema } },
  },
  exportOrders: {
    method: 'GET', path: '/orders/export', handler: 'functions/orders/export.ts', auth: 'admin',
    access: { table: 'read' }, summary: 'Orders as CSV', tag: 'Orders', timeoutSeconds: 29, memoryMiB: 1024,
    schemas: { query: exportOrdersQuerySchema, response: { status: 200, contentType: 'text/csv' } },
  },
  getOrder: {
    method: 'GET', path: '/orders/{id}', handler: 'functions/orders/get.ts', auth: 'user',
    access: { table: 'read' }, summary: 'One order (owner or admin)', tag: 'Orders', errors: [404],
    schemas: { path: idParamSchema, response: { status: 200, schema: orderDetailSchema } },
  },
  cancelOrder: {
    method: 'POST', path: '/orders/{id}/cancel', handler: 'functions/orders/cancel.ts', auth: 'user',
    access: { table: 'write', sendTo: ['orderEvents'] }, summary: 'Cancel; stock is returned', tag: 'Orders',
    errors: [404, 409],
    schemas: { path: idParamSchema, response: { status: 200, schema: orderSchema } },
  },
  changeOrderStatus: {
    method: 'PATCH', path: '/orders/{id}/status', handler: 'functions/orders/change-status.ts', auth: 'admin',
    access: { table: 'write', sendTo: ['orderEvents'] }, summary: 'Move an order along its state machine', tag: 'Orders',
    errors: [404, 409],
    schemas: { path: idParamSchema, body: changeStatusBodySchema, response: { status: 200, schema: orderSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
