import { productRoutes } from '../../infra/routes/products.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { created } from '../../shared/http/responses.js';
import { createProduct } from '../../shared/products/product-repository.js';
import { toPublicProduct } from '../../shared/products/product.js';

export const handler = httpHandler(productRoutes.createProduct, async ({ body }) => created(toPublicProduct(await createProduct(body))));
