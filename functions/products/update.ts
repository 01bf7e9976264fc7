import { productRoutes } from '../../infra/routes/products.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { updateProduct } from '../../shared/products/product-repository.js';
import { toPublicProduct } from '../../shared/products/product.js';

export const handler = httpHandler(productRoutes.updateProduct, async ({ path, body }) => ok(toPublicProduct(await updateProduct(path.id, body))));
