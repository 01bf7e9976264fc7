import * as z from 'zod';
import { cursorSchema, limitSchema, listOf } from './common.js';
import { ORDER_STATUSES } from '../orders/order-status.js';
import { singleLineText } from './text.js';
import { instantSchema, refineRange } from './time-range.js';
import { PAYMENT_STATUSES } from '../payments/payment-status.js';

/**
 * 100 items per DynamoDB transaction, less the order and its list entry (placing, or cancelling:
 * one stock return per line), and one spare for a status change's extra item (a payment record).
 */
export const MAX_ORDER_LINES = 97;
export const MAX_CART_LINES = 50;
export const MAX_LINE_QUANTITY = 100;

const productIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'is not a product id');
export const quantitySchema = z.number().int().min(1).max(MAX_LINE_QUANTITY);

export const cartLinePathSchema = z.object({ productId: productIdSchema }).strict();
export const setCartLineBodySchema = z.object({ quantity: quantitySchema }).strict();

export const cartSchema = z
  .object({
    items: z.array(
      z.object({
        productId: z.string(),
        name: z.string(),
        quantity: z.number().int(),
        unitPrice: z.number().int(),
        lineTotal: z.number().int(),
        expiresAt: z.string(),
      }),
    ),
    total: z.number().int(),
    currency: z.string(),
    removedItems: z
      .array(z.object({ productId: z.string(), name: z.string(), quantity: z.number().int(), reason: z.enum(['product_unavailable']) }))
      .describe('lines dropped by this request: their product was deleted since it was held; their stock was released'),
  })
  .meta({ id: 'Cart' });

export const orderStatusSchema = z.enum(ORDER_STATUSES);

const shippingAddressSchema = z
  .object({
    line1: singleLineText().min(1).max(200),
    line2: singleLineText().max(200).optional(),
    city: singleLineText().min(1).max(100),
    postalCode: singleLineText().min(1).max(20),
    country: z.string().trim().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').transform((c) => c.toUpperCase()),
  })
  .strict();

/** No prices from the client: totals come from the server's products (strict rejects them). */
export const placeOrderBodySchema = z
  .object({
    shippingAddress: shippingAddressSchema,
    items: z
      .array(z.object({ productId: productIdSchema, quantity: quantitySchema }).strict())
      .min(1)
      .max(MAX_ORDER_LINES, `at most ${MAX_ORDER_LINES} lines`)
      .optional(),
  })
  .strict();
export type PlaceOrderInput = z.output<typeof placeOrderBodySchema>;

const isoDate = instantSchema.or(z.iso.date());
export const listOrdersQuerySchema = z
  .object({
    limit: limitSchema,
    cursor: cursorSchema,
    status: orderStatusSchema.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    userId: z.string().min(1).max(64).optional(),
  })
  .strict()
  .superRefine(refineRange);
export type ListOrdersQuery = z.output<typeof listOrdersQuerySchema>;

export const exportOrdersQuerySchema = z
  .object({ status: orderStatusSchema.optional(), from: isoDate.optional(), to: isoDate.optional() })
  .strict()
  .superRefine(refineRange);

export const changeStatusBodySchema = z
  .object({ status: orderStatusSchema, note: singleLineText().min(1).max(500).optional() })
  .strict();

const orderLineSchema = z.object({
  productId: z.string(),
  name: z.string(),
  unitPrice: z.number().int(),
  quantity: z.number().int(),
  lineTotal: z.number().int(),
});
export const orderSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    status: orderStatusSchema,
    paymentStatus: z.enum(PAYMENT_STATUSES).describe('pending, partially_paid, completed (net received ≥ total), partially_refunded (some of what was paid came back), refunded (all of it came back)'),
    items: z.array(orderLineSchema),
    total: z.number().int(),
    amountPaid: z.number().int(),
    amountDue: z.number().int(),
    amountRefunded: z.number().int().describe('money back on this order: refunds issued here and in Stripe, each counted once'),
    currency: z.string(),
    shippingAddress: z.object({ line1: z.string(), line2: z.string().optional(), city: z.string(), postalCode: z.string(), country: z.string() }),
    statusHistory: z.array(z.object({ status: orderStatusSchema, at: z.string(), by: z.string(), note: z.string().optional() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Order' });
export const orderListSchema = listOf(orderSchema).meta({ id: 'OrderList' });

const day = z.iso.date();
export const analyticsQuerySchema = z
  .object({ from: day.optional(), to: day.optional() })
  .strict()
  .superRefine(refineRange);

const productFigure = z.object({ productId: z.string(), name: z.string().nullable(), quantity: z.number().int(), revenue: z.number().int() });
export const analyticsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    revenue: z.number().int().describe('succeeded payments minus refunds recorded in the range, minor units'),
    orderCount: z.number().int().describe('orders placed in the range'),
    paidOrders: z.number().int().describe('orders that became paid in the range'),
    averageOrderValue: z.number().int().describe('average total of the orders that became paid in the range'),
    ordersByStatus: z.record(z.string(), z.number().int()).describe('orders placed in the range, by current status'),
    topProducts: z.array(productFigure).describe('top 10 by quantity, from orders paid in the range'),
    topProductsByRevenue: z.array(productFigure),
    recentOrders: z.array(orderSchema),
    lowStock: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'Analytics' });
