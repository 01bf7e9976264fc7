import { cartRoutes } from '../../infra/routes/orders.js';
import { viewCart } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';

/** Two calls: the cart's Query, then one BatchGetItem of its products and the session. */
export const handler = httpHandler(cartRoutes.getCart, async ({ session }) => ok(await viewCart(session.userId, Date.now(), session)));
