import { cartRoutes } from '../../infra/routes/orders.js';
import { removeCartLineAndView } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';

/** Three calls: the cart's Query, its products with the session's lookup, the transaction. */
export const handler = httpHandler(cartRoutes.removeCartLine, async ({ session, path }) => ok(await removeCartLineAndView(session.userId, path.productId, session)));
