import { productRoutes } from '../../infra/routes/products.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { adjustStock } from '../../shared/products/product-repository.js';

export const handler = httpHandler(productRoutes.adjustStock, async ({ path, body, auth }) => {
  const { stock } = await adjustStock({ productId: path.id, delta: body.delta, reason: body.reason, by: auth.userId });
  return ok({ productId: path.id, stock });
});
