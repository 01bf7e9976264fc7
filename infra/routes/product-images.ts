import {
  createImageUploadBodySchema,
  imageUploadSchema,
  productImagePathSchema,
} from '../../shared/schemas/product-images.js';
import type { RouteDefinition } from '../route-types.js';

export const productImageRoutes = {
  createProductImageUpload: {
    method: 'POST', path: '/products/{id}/images', handler: 'functions/products/create-image-upload.ts', auth: 'admin',
    // The product's `images` (one conditional UpdateItem); the upload URL is presigned locally.
    access: { table: { mode: 'write', keys: ['PRODUCT#*'] }, uploadImages: true }, summary: 'Get a presigned upload URL for a product image', tag: 'Products',
    errors: [404],
    schemas: {
      path: productImagePathSchema,
      body: createImageUploadBodySchema,
      response: { status: 201, schema: imageUploadSchema },
    },
  },
} as const satisfies Record<string, RouteDefinition>;
