import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';
import { getOrderFor } from '../../shared/orders/order-queries.js';
import { toPublicOrder } from '../../shared/orders/order.js';

/** The detail view adds payments and shipments (empty until the payments issue lands). */
export const handler = httpHandler(routes.getOrder, async ({ auth, path }) =>
  ok({ ...toPublicOrder(await getOrderFor(auth, path.id)), payments: [], shipments: [] }),
);
