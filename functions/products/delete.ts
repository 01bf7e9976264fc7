import { productRoutes } from '../../infra/routes/products.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { noContent } from '../../shared/http/responses.js';
import { softDeleteProduct } from '../../shared/products/product-repository.js';

export const handler = httpHandler(productRoutes.deleteProduct, async ({ path }) => {
  await softDeleteProduct(path.id);
  return noContent();
});
