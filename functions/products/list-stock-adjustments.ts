import { productRoutes } from '../../infra/routes/products.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { listStockAdjustments } from '../../shared/products/product-repository.js';

/** One Query of the product's partition: its adjustments and its existence (404 otherwise). */
export const handler = httpHandler(productRoutes.listStockAdjustments, async ({ path, query }) => {
  const page = await listStockAdjustments(path.id, query.limit, query.cursor);
  return ok({ items: page.items, nextCursor: page.nextCursor });
});
