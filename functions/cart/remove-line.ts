import { routes } from '../../infra/routes.js';
import { removeCartLine, viewCart } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

export const handler = httpHandler(routes.removeCartLine, async ({ auth, path }) => {
  await removeCartLine(auth.userId, path.productId);
  return ok(await viewCart(auth.userId));
});
