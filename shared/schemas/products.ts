import * as z from 'zod';
import { cursorSchema, limitSchema, listOf } from './common.js';
import { multiLineText, singleLineText } from './text.js';

/** Integer minor units: 1999 = 19.99. Fractions, negatives and absurd values are refused. */
export const MAX_PRICE = 1_000_000_000;
export const MAX_STOCK = 10_000_000;
export const priceSchema = z.number().int('must be an integer amount in minor units').min(0).max(MAX_PRICE);
const stockSchema = z.number().int().min(0).max(MAX_STOCK);
const currencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code')
  .transform((value) => value.toLowerCase());
/** Categories are compared case-insensitively; they are stored lower-case. */
const categorySchema = singleLineText().min(1).max(50).transform((value) => value.toLowerCase());
const productFields = {
  name: singleLineText().min(1).max(200),
  description: multiLineText().max(5000),
  price: priceSchema,
  currency: currencySchema,
  category: categorySchema,
  sku: singleLineText().min(1).max(64),
  lowStockThreshold: z.number().int().min(0).max(MAX_STOCK),
};

export const createProductBodySchema = z
  .object({
    name: productFields.name,
    description: productFields.description.default(''),
    price: productFields.price,
    currency: productFields.currency.default('usd'),
    stock: stockSchema,
    category: productFields.category.optional(),
    sku: productFields.sku.optional(),
    lowStockThreshold: productFields.lowStockThreshold.default(5),
  })
  .strict();
export type CreateProductInput = z.output<typeof createProductBodySchema>;

/** Everything but `stock` (only stock adjustments and orders move it), `id` and timestamps. */
export const updateProductBodySchema = z
  .object({
    name: productFields.name.optional(),
    description: productFields.description.optional(),
    price: productFields.price.optional(),
    currency: productFields.currency.optional(),
    category: productFields.category.nullable().optional(),
    sku: productFields.sku.nullable().optional(),
    lowStockThreshold: productFields.lowStockThreshold.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'at least one field is required' });
export type UpdateProductInput = z.output<typeof updateProductBodySchema>;

export const stockAdjustmentBodySchema = z
  .object({
    delta: z.number().int().min(-MAX_STOCK).max(MAX_STOCK).refine((delta) => delta !== 0, 'must not be 0'),
    reason: singleLineText().min(1).max(500),
  })
  .strict();

export const productSortSchema = z.enum(['createdAt', '-createdAt', 'price', '-price', 'name']);
export type ProductSort = z.infer<typeof productSortSchema>;

const moneyQuery = z.coerce.number().int().min(0).max(MAX_PRICE);
export const listProductsQuerySchema = z
  .object({
    limit: limitSchema,
    cursor: cursorSchema,
    search: singleLineText().min(1).max(100).optional(),
    category: categorySchema.optional(),
    minPrice: moneyQuery.optional(),
    maxPrice: moneyQuery.optional(),
    sort: productSortSchema.default('-createdAt'),
    includeDeleted: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  })
  .strict()
  .refine((q) => q.minPrice === undefined || q.maxPrice === undefined || q.minPrice <= q.maxPrice, {
    message: 'must not be greater than maxPrice',
    path: ['minPrice'],
  });
export type ListProductsQuery = z.output<typeof listProductsQuerySchema>;

export const productSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    price: z.number().int(),
    currency: z.string(),
    stock: z.number().int().describe('available now'),
    category: z.string().nullable(),
    sku: z.string().nullable(),
    images: z.array(z.string()),
    lowStockThreshold: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    deletedAt: z.string().optional(),
  })
  .meta({ id: 'Product' });
export const productListSchema = listOf(productSchema).meta({ id: 'ProductList' });

export const stockLevelSchema = z.object({ productId: z.string(), stock: z.number().int() }).meta({ id: 'StockLevel' });
export const stockAdjustmentSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    delta: z.number().int(),
    reason: z.string(),
    resultingStock: z.number().int(),
    by: z.string(),
    at: z.string(),
  })
  .meta({ id: 'StockAdjustment' });
export const stockAdjustmentListSchema = listOf(stockAdjustmentSchema).meta({ id: 'StockAdjustmentList' });
export const stockAdjustmentListQuerySchema = z.object({ limit: limitSchema, cursor: cursorSchema }).strict();
