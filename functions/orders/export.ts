import { orderRoutes } from '../../infra/routes/orders.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { exportOrdersCsv } from '../../shared/orders/order-queries.js';

export const handler = httpHandler(orderRoutes.exportOrders, async ({ query }) => ({
  statusCode: 200,
  body: await exportOrdersCsv(query),
  headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="orders.csv"' },
}));
