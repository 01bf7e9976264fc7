import { cartRoutes } from '../../infra/routes/orders.js';
import { clearCart } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { noContent } from '../../shared/http/responses.js';

export const handler = httpHandler(cartRoutes.clearCart, async ({ auth }) => {
  await clearCart(auth.userId);
  return noContent();
});
