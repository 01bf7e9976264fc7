/**
 * Orders.
 *
 *   order        pk ORDER#<id>  sk ORDER     gsi1 USER#<userId> / ORDER#<createdAt>#<id>         (a customer's orders)
 *                                            gsi2 STATUS#<status>#<shard> / <createdAt>#<id>     (admin by status; schedules)
 *   index item   pk ORDER#<id>  sk IDX#ALL   gsi1 ORDERS#<shard> / <createdAt>#<id>              (admin: all orders)
 *   unpaid count pk USER#<userId> sk UNPAID_ORDERS   {count}: the customer's pending/failed orders (the cap)
 *
 * Every order writes the all-orders and the by-status lists, so both are write-sharded by the
 * order id (shared/write-shards.ts): no index key takes every order of the shop.
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
import { allShards, shardedPartition } from '../write-shards.js';

export const orderKey = (id: string) => ({ pk: `ORDER#${id}`, sk: 'ORDER' });
/**
 * A customer's count of unpaid orders (`count`), in the customer's own partition: written by that
 * customer's placements and by their orders leaving the unpaid states, never by anyone else's
 * (no shop-wide item; see shared/write-shards.ts).
 */
export const unpaidOrdersKey = (userId: string) => ({ pk: `USER#${userId}`, sk: 'UNPAID_ORDERS' });
export const orderIndexKey = (id: string) => ({ pk: `ORDER#${id}`, sk: 'IDX#ALL' });
export const userOrdersPartition = (userId: string) => `USER#${userId}`;
/** The order's shard of its status list: the shard follows the order id, so it stays put as the status moves. */
export const statusPartition = (status: string, orderId: string) => shardedPartition(`STATUS#${status}`, orderId);
export const statusPartitions = (status: string) => allShards(`STATUS#${status}`);
export const allOrdersPartition = (orderId: string) => shardedPartition('ORDERS', orderId);
export const ALL_ORDERS_PARTITIONS = allShards('ORDERS');

export const idempotentOrderId = (userId: string, key: string) =>
  `K${createHash('sha256').update(`${userId}\u0000${key}`).digest('base64url').replace(/[-_]/g, '').slice(0, 25)}`;
