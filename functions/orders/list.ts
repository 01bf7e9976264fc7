import { orderRoutes } from '../../infra/routes/orders.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { listOrdersFor } from '../../shared/orders/order-queries.js';
import { toPublicOrder } from '../../shared/orders/order.js';

export const handler = httpHandler(orderRoutes.listOrders, async ({ auth, query }) => {
  const page = await listOrdersFor(auth, query);
  return ok({ items: page.items.map(toPublicOrder), nextCursor: page.nextCursor });
});
