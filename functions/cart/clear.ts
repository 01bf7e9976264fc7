import { cartRoutes } from '../../infra/routes/orders.js';
import { clearCart } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { noContent } from '../../shared/http/responses.js';

/** The cart's Query, then its release with the session's checks in the first transaction: two calls (three for 49–50 lines). */
export const handler = httpHandler(cartRoutes.clearCart, async ({ session }) => {
  await clearCart(session.userId, session);
  return noContent();
});
