/**
 * The routes whose functions declare the partition keys they touch (`dynamodb:LeadingKeys`),
 * one list for both proofs: the CDK assertions (test/infra/least-privilege.test.ts) and the
 * run of each handler against DynamoDB Local (test/integration/least-privilege.test.ts).
 */
import type { RouteId } from '../../infra/routes.js';

/** Public routes that touch the table. */
export const PUBLIC_TABLE_ROUTES = ['register', 'login', 'refresh', 'forgotPassword', 'resetPassword', 'createContactMessage', 'stripeWebhook'] as const satisfies readonly RouteId[];

export const KEYED_ROUTES = [
  ...PUBLIC_TABLE_ROUTES,
  'listProducts', 'getProduct',
  'logout', 'getMe', 'updateMe', 'listUsers', 'getUser', 'updateUser', 'deleteUser', 'listContactMessages', 'deleteContactMessage',
  'getCart', 'setCartLine', 'removeCartLine', 'clearCart',
  'placeOrder', 'listOrders', 'exportOrders', 'getOrder', 'cancelOrder', 'changeOrderStatus',
  'recordPayment', 'refundOrder', 'listPayments',
  'createShipment', 'listShipments', 'getShipment', 'updateShipment',
  'getAnalytics',
  'createProduct', 'updateProduct', 'deleteProduct', 'restoreProduct', 'adjustStock', 'listStockAdjustments', 'createProductImageUpload',
] as const satisfies readonly RouteId[];
