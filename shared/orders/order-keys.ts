/**
 * Orders.
 *
 *   order        pk ORDER#<id>  sk ORDER     gsi1 USER#<userId> / ORDER#<createdAt>#<id>   (a customer's orders)
 *                                            gsi2 STATUS#<status> / <createdAt>#<id>       (admin by status; schedules)
 *   index item   pk ORDER#<id>  sk IDX#ALL   gsi1 ORDERS / <createdAt>#<id>                (admin: all orders)
 *
 * The order item embeds its lines (a snapshot of name and unit price), totals and status
 * history. `stockOwned` says whether the order still holds its lines' stock: it turns false
 * in the same transaction that gives the stock back (cancel, rollback), conditioned on being
 * true, so stock is returned exactly once.
 *
 * With an Idempotency-Key the order id is derived from (user, key): the order's own
 * `attribute_not_exists` condition makes concurrent replays collapse into one order.
 */
import { createHash } from 'node:crypto';

export const orderKey = (id: string) => ({ pk: `ORDER#${id}`, sk: 'ORDER' });
export const orderIndexKey = (id: string) => ({ pk: `ORDER#${id}`, sk: 'IDX#ALL' });
export const userOrdersPartition = (userId: string) => `USER#${userId}`;
export const statusPartition = (status: string) => `STATUS#${status}`;
export const ALL_ORDERS = 'ORDERS';

export const idempotentOrderId = (userId: string, key: string) =>
  `K${createHash('sha256').update(`${userId}\u0000${key}`).digest('base64url').replace(/[-_]/g, '').slice(0, 25)}`;
