import { cartRoutes } from '../../infra/routes/orders.js';
import { removeCartLineOfCart, viewCartOf } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

/** The cart read once (with the line's hold), the transaction, then the products for the view. */
export const handler = httpHandler(cartRoutes.removeCartLine, async ({ auth, path }) => {
  const holds = await removeCartLineOfCart(auth.userId, path.productId);
  return ok(await viewCartOf(auth.userId, holds));
});
