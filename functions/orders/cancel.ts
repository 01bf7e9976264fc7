import { orderRoutes } from '../../infra/routes/orders.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { cancelOrderFor } from '../../shared/orders/orders.js';
import { toPublicOrder } from '../../shared/orders/order.js';

export const handler = httpHandler(orderRoutes.cancelOrder, async ({ auth, path }) => ok(toPublicOrder(await cancelOrderFor(auth, path.id))));
