import { routes } from '../../infra/routes.js';
import { viewCart } from '../../shared/carts/cart-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

export const handler = httpHandler(routes.getCart, async ({ auth }) => ok(await viewCart(auth.userId)));
