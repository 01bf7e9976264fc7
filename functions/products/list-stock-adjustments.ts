import { productRoutes } from '../../infra/routes/products.js';
import { NotFoundError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';
import { findProduct, listStockAdjustments } from '../../shared/products/product-repository.js';

export const handler = httpHandler(productRoutes.listStockAdjustments, async ({ path, query }) => {
  if (!(await findProduct(path.id))) throw new NotFoundError('Product');
  const page = await listStockAdjustments(path.id, query.limit, query.cursor);
  return ok({ items: page.items, nextCursor: page.nextCursor });
});
