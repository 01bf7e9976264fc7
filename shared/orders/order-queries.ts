/** Order reads as customers and admins see them. */
import { stringify } from 'csv-stringify/sync';
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { NotFoundError } from '../errors.js';
import type { ListOrdersQuery } from '../schemas/orders.js';
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

const CSV_COLUMNS = ['id', 'createdAt', 'userId', 'status', 'paymentStatus', 'currency', 'total', 'amountPaid', 'amountDue', 'lines', 'units', 'country'];

/**
 * CSV of the matching orders, newest first, read page by page (100 orders a page) so memory
 * holds one page of orders plus the CSV text.
 */
export async function exportOrdersCsv(filter: { status?: OrderStatus | undefined; from?: string | undefined; to?: string | undefined }): Promise<string> {
  const chunks = [stringify([CSV_COLUMNS])];
  let cursor: string | undefined;
  do {
    const page = await listOrders({ ...filter, limit: 100, cursor });
    chunks.push(
      stringify(
        page.items.map((o) => [o.id, o.createdAt, o.userId, o.status, o.paymentStatus, o.currency, o.total, o.amountPaid, o.amountDue, o.items.length, o.items.reduce((n, l) => n + l.quantity, 0), o.shippingAddress.country]),
      ),
    );
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return chunks.join('');
}
