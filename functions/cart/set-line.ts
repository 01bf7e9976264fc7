import { cartRoutes } from '../../infra/routes/orders.js';
import { setCartLineOfCart, viewCartOf } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

/** The cart read once (with the line's hold), the transaction, then the products for the view. */
export const handler = httpHandler(cartRoutes.setCartLine, async ({ auth, path, body }) => {
  const holds = await setCartLineOfCart(auth.userId, path.productId, body.quantity);
  return ok(await viewCartOf(auth.userId, holds));
});
