import * as z from 'zod';
import { idParamSchema } from '../../shared/schemas/common.js';
import { paymentSchema, refundSchema } from '../../shared/schemas/payments.js';
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
import { idempotencyKeyHeaders, ordersCsvSchema } from '../../shared/schemas/http-headers.js';
import type { RouteDefinition } from '../route-types.js';

/** GET /orders/{id}: the order with its payments, refunds and shipments. */
const orderDetailSchema = orderSchema
  .extend({ payments: z.array(paymentSchema), refunds: z.array(refundSchema), shipments: z.array(shipmentSchema) })
  .meta({ id: 'OrderDetail' });

export const cartRoutes = {
  getCart: {
    method: 'GET', path: '/cart', handler: 'functions/cart/get.ts', auth: 'user', sessionLookup: 'joined',
    // The cart's holds, the held products (BatchGet for current prices); a line whose product was
    // deleted is released (hold, cart header, the product's stock returned: one transaction).
    access: { table: { mode: 'write', keys: ['CART#*', 'PRODUCT#*'] } },
    summary: 'The cart: live holds with current prices; lines of products deleted since are released (stock returned) and listed under removedItems', tag: 'Cart',
    schemas: { response: { status: 200, schema: cartSchema } },
  },
  setCartLine: {
    method: 'PUT', path: '/cart/items/{productId}', handler: 'functions/cart/set-line.ts', auth: 'user', sessionLookup: 'joined',
    // The hold and the cart header, the product's stock (one transaction; fail-fast stock reads), then the cart view.
    access: { table: { mode: 'write', keys: ['CART#*', 'PRODUCT#*'] } }, summary: 'Hold this quantity (reserves or releases the difference; renews the hold)',
    tag: 'Cart', errors: [404, 409],
    schemas: { path: cartLinePathSchema, body: setCartLineBodySchema, response: { status: 200, schema: cartSchema } },
  },
  removeCartLine: {
    method: 'DELETE', path: '/cart/items/{productId}', handler: 'functions/cart/remove-line.ts', auth: 'user', sessionLookup: 'joined',
    // The hold and the cart header, the product's stock returned (one transaction), then the cart view.
    access: { table: { mode: 'write', keys: ['CART#*', 'PRODUCT#*'] } }, summary: 'Release one line', tag: 'Cart',
    schemas: { path: cartLinePathSchema, response: { status: 200, schema: cartSchema } },
  },
  clearCart: {
    method: 'DELETE', path: '/cart', handler: 'functions/cart/clear.ts', auth: 'user', sessionLookup: 'joined',
    // The cart's holds and header, each held product's stock returned.
    access: { table: { mode: 'write', keys: ['CART#*', 'PRODUCT#*'] } }, summary: 'Release every line', tag: 'Cart',
    schemas: { response: { status: 204 } },
  },
} as const satisfies Record<string, RouteDefinition>;

export const orderRoutes = {
  placeOrder: {
    method: 'POST', path: '/orders', handler: 'functions/orders/place.ts', auth: 'user', sessionLookup: 'joined',
    // The order and its index item (keyed replays read the order), the cart's holds and header,
    // the products (BatchGet, stock taken or fail-fast reads). order.placed comes from the stream (orderFacts).
    access: { table: { mode: 'write', keys: ['ORDER#*', 'CART#*', 'PRODUCT#*'] } },
    summary: 'Place an order from the cart or from items (Idempotency-Key supported); at most MAX_UNPAID_ORDERS unpaid orders per customer (409 TOO_MANY_UNPAID_ORDERS); a cart line of a deleted product is 409 PRODUCT_UNAVAILABLE naming it', tag: 'Orders',
    errors: [404, 409, 422, 503],
    schemas: { body: placeOrderBodySchema, headers: idempotencyKeyHeaders, response: { status: 201, schema: orderSchema } },
  },
  listOrders: {
    method: 'GET', path: '/orders', handler: 'functions/orders/list.ts', auth: 'user',
    // A user's orders on gsi1; admins: by status on gsi2's shards, or every order's index items
    // on gsi1's shards, then the orders (BatchGet).
    access: { table: { mode: 'read', keys: ['ORDER#*'], indexKeys: { gsi1: ['USER#*', 'ORDERS#*'], gsi2: ['STATUS#*'] } } }, summary: 'Orders, newest first (customers: their own)', tag: 'Orders',
    schemas: { query: listOrdersQuerySchema, response: { status: 200, schema: orderListSchema } },
  },
  exportOrders: {
    method: 'GET', path: '/orders/export', handler: 'functions/orders/export.ts', auth: 'admin',
    // Admin listing pages (no userId filter): by status on gsi2, or all orders on gsi1 then BatchGet;
    // each page's customers (name, email) in one BatchGet of USER# items.
    access: { table: { mode: 'read', keys: ['ORDER#*', 'USER#*'], indexKeys: { gsi1: ['ORDERS#*'], gsi2: ['STATUS#*'] } } }, summary: 'Orders as CSV', tag: 'Orders', timeoutSeconds: 29, memoryMiB: 1024,
    schemas: { query: exportOrdersQuerySchema, response: { status: 200, schema: ordersCsvSchema, contentType: 'text/csv' } },
  },
  getOrder: {
    method: 'GET', path: '/orders/{id}', handler: 'functions/orders/get.ts', auth: 'user',
    // The order, its payments and shipments (all in the order's partition).
    access: { table: { mode: 'read', keys: ['ORDER#*'] } }, summary: 'One order (owner or admin)', tag: 'Orders', errors: [404],
    schemas: { path: idParamSchema, response: { status: 200, schema: orderDetailSchema } },
  },
  cancelOrder: {
    method: 'POST', path: '/orders/{id}/cancel', handler: 'functions/orders/cancel.ts', auth: 'user',
    // The order and its index item, each line's product stock returned.
    access: { table: { mode: 'write', keys: ['ORDER#*', 'PRODUCT#*'] }, sendTo: ['orderEvents'] }, summary: 'Cancel; stock is returned', tag: 'Orders',
    errors: [404, 409],
    schemas: { path: idParamSchema, response: { status: 200, schema: orderSchema } },
  },
  changeOrderStatus: {
    method: 'PATCH', path: '/orders/{id}/status', handler: 'functions/orders/change-status.ts', auth: 'admin',
    // The order and its index item, the products' stock when the move returns it (cancel).
    access: { table: { mode: 'write', keys: ['ORDER#*', 'PRODUCT#*'] }, sendTo: ['orderEvents'] }, summary: 'Move an order along its state machine', tag: 'Orders',
    errors: [404, 409],
    schemas: { path: idParamSchema, body: changeStatusBodySchema, response: { status: 200, schema: orderSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
