import { cartRoutes } from '../../infra/routes/orders.js';
import { viewCart } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

export const handler = httpHandler(cartRoutes.getCart, async ({ auth }) => ok(await viewCart(auth.userId)));
