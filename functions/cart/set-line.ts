import { routes } from '../../infra/routes.js';
import { setCartLine, viewCart } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

export const handler = httpHandler(routes.setCartLine, async ({ auth, path, body }) => {
  await setCartLine(auth.userId, path.productId, body.quantity);
  return ok(await viewCart(auth.userId));
});
