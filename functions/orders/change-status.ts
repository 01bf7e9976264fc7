import { orderRoutes } from '../../infra/routes/orders.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { setOrderStatus } from '../../shared/orders/orders.js';
import { toPublicOrder } from '../../shared/orders/order.js';

export const handler = httpHandler(orderRoutes.changeOrderStatus, async ({ auth, path, body }) =>
  ok(toPublicOrder(await setOrderStatus(auth, path.id, body.status, body.note))),
);
