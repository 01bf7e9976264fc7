/** Order reads as customers and admins see them. */
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { NotFoundError } from '../errors.js';
import type { ListOrdersQuery } from '../schemas/orders.js';
import { findUserContacts } from '../users/user-repository.js';
import { orderCsvHeader, orderCsvRows } from './order-csv.js';
import { findOrder, listOrders } from './order-repository.js';
import type { OrderStatus } from './order-status.js';
import type { OrderRecord } from './order.js';


/** Another customer's order is a 404, not a 403: its existence is not disclosed. */
export async function getOrderFor(auth: AuthContext, orderId: string): Promise<OrderRecord> {
  const order = await findOrder(orderId);
  if (!order || (!isAdmin(auth) && order.userId !== auth.userId)) throw new NotFoundError('Order');
  return order;
}

export const listOrdersFor = (auth: AuthContext, query: ListOrdersQuery) =>
  listOrders({ ...query, userId: isAdmin(auth) ? query.userId : auth.userId });

/**
 * CSV of the matching orders, newest first, read page by page (100 orders a page, and one
 * BatchGet of their customers' name and email) so memory holds one page of orders plus the CSV
 * text. Columns: shared/orders/order-csv.ts.
 */
export async function exportOrdersCsv(filter: { status?: OrderStatus | undefined; from?: string | undefined; to?: string | undefined }): Promise<string> {
  const chunks = [orderCsvHeader()];
  let cursor: string | undefined;
  do {
    const page = await listOrders({ ...filter, limit: 100, cursor });
    const customers = await findUserContacts(page.items.map((order) => order.userId));
    chunks.push(orderCsvRows(page.items, customers));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return chunks.join('');
}
