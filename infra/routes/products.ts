import { idParamSchema } from '../../shared/schemas/common.js';
import {
  createProductBodySchema,
  listProductsQuerySchema,
  productListSchema,
  productSchema,
  stockAdjustmentBodySchema,
  stockAdjustmentListQuerySchema,
  stockAdjustmentListSchema,
  stockLevelSchema,
  updateProductBodySchema,
} from '../../shared/schemas/products.js';
import type { RouteDefinition } from '../route-types.js';

export const productRoutes = {
  listProducts: {
    method: 'GET', path: '/products', handler: 'functions/products/list.ts', auth: 'optional',
    // Index items (gsi1 PRODUCTS, or gsi2 CAT#<category>), then the products (BatchGet).
    access: { table: { mode: 'read', keys: ['PRODUCT#*'], indexKeys: { gsi1: ['PRODUCTS'], gsi2: ['CAT#*'] } } },
    summary: 'List products (admins may add includeDeleted=true)', tag: 'Products',
    errors: [403],
    schemas: { query: listProductsQuerySchema, response: { status: 200, schema: productListSchema } },
  },
  getProduct: {
    method: 'GET', path: '/products/{id}', handler: 'functions/products/get.ts', auth: 'optional',
    access: { table: { mode: 'read', keys: ['PRODUCT#*'] } }, summary: 'Get a product (soft-deleted: admins only)', tag: 'Products',
    errors: [404],
    schemas: { path: idParamSchema, response: { status: 200, schema: productSchema } },
  },
  createProduct: {
    method: 'POST', path: '/products', handler: 'functions/products/create.ts', auth: 'admin',
    // The product and its three index items, all in the product's partition (one transaction).
    access: { table: { mode: 'write', keys: ['PRODUCT#*'] } }, summary: 'Create a product', tag: 'Products',
    schemas: { body: createProductBodySchema, response: { status: 201, schema: productSchema } },
  },
  updateProduct: {
    method: 'PATCH', path: '/products/{id}', handler: 'functions/products/update.ts', auth: 'admin',
    // The product and its index items (its partition).
    access: { table: { mode: 'write', keys: ['PRODUCT#*'] } }, summary: 'Change a product (not its stock)', tag: 'Products', errors: [404, 409],
    schemas: { path: idParamSchema, body: updateProductBodySchema, response: { status: 200, schema: productSchema } },
  },
  deleteProduct: {
    method: 'DELETE', path: '/products/{id}', handler: 'functions/products/delete.ts', auth: 'admin',
    access: { table: { mode: 'write', keys: ['PRODUCT#*'] } }, summary: 'Soft-delete a product', tag: 'Products', errors: [404],
    schemas: { path: idParamSchema, response: { status: 204 } },
  },
  restoreProduct: {
    method: 'POST', path: '/products/{id}/restore', handler: 'functions/products/restore.ts', auth: 'admin',
    access: { table: { mode: 'write', keys: ['PRODUCT#*'] } }, summary: 'Undo a soft delete', tag: 'Products', errors: [404],
    schemas: { path: idParamSchema, response: { status: 200, schema: productSchema } },
  },
  adjustStock: {
    method: 'POST', path: '/products/{id}/stock-adjustments', handler: 'functions/products/adjust-stock.ts',
    // The product's stock and the audit item (its partition, sk STOCKADJ#…).
    auth: 'admin', access: { table: { mode: 'write', keys: ['PRODUCT#*'] } }, summary: 'Add or remove stock (audited; never below 0)',
    tag: 'Products', errors: [404, 409],
    schemas: { path: idParamSchema, body: stockAdjustmentBodySchema, response: { status: 200, schema: stockLevelSchema } },
  },
  listStockAdjustments: {
    method: 'GET', path: '/products/{id}/stock-adjustments', handler: 'functions/products/list-stock-adjustments.ts',
    auth: 'admin', access: { table: { mode: 'read', keys: ['PRODUCT#*'] } }, summary: 'Stock adjustment audit trail, newest first', tag: 'Products',
    errors: [404],
    schemas: { path: idParamSchema, query: stockAdjustmentListQuerySchema, response: { status: 200, schema: stockAdjustmentListSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
