import { cartRoutes } from '../../infra/routes/orders.js';
import { setCartLineAndView } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';

/** Three calls: the cart's Query, its products with the session's lookup, the transaction. */
export const handler = httpHandler(cartRoutes.setCartLine, async ({ session, path, body }) =>
  ok(await setCartLineAndView(session.userId, path.productId, body.quantity, session)),
);
