/**
 * Daily sales counters, written with `ADD` inside the same transaction as the change that
 * moves them, so they are exact under concurrency and never counted twice.
 *
 *   pk STATS#<yyyy-mm-dd>  sk STATUS    ordersPlaced, s_<status>: orders created that day, by current status
 *                          sk SALES     paidOrders, paidValue, q_<productId>, r_<productId>: orders that became paid that day
 *                          sk PAYMENTS  revenue (succeeded payments − refunds), payments: money received that day
 *
 * One item per kind and day: a 30-day report is one BatchGetItem of 90 keys. The SALES item
 * grows by two attributes per product sold that day (DynamoDB's 400 KB item limit allows a
 * few thousand distinct products a day).
 */
import { tableName } from '../clients/dynamodb.js';
import type { OrderStatus } from '../orders/order-status.js';
import type { OrderRecord } from '../orders/order.js';
import type { TransactItems } from '../transactions.js';

type Item = TransactItems[number];
export type CounterKind = 'STATUS' | 'SALES' | 'PAYMENTS';

export const dayOf = (iso: string): string => iso.slice(0, 10);
export const statsKey = (day: string, kind: CounterKind) => ({ pk: `STATS#${day}`, sk: kind });
export const statusAttribute = (status: OrderStatus) => `s_${status}`;

function add(day: string, kind: CounterKind, increments: Record<string, number>): Item {
  const entries = Object.entries(increments);
  return {
    Update: {
      TableName: tableName,
      Key: statsKey(day, kind),
      UpdateExpression: `ADD ${entries.map((_, i) => `#a${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#a${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
    },
  };
}

export const orderPlacedCounter = (order: OrderRecord): Item =>
  add(dayOf(order.createdAt), 'STATUS', { ordersPlaced: 1, [statusAttribute(order.status)]: 1 });

export const statusMovedCounter = (order: OrderRecord, to: OrderStatus): Item =>
  add(dayOf(order.createdAt), 'STATUS', { [statusAttribute(order.status)]: -1, [statusAttribute(to)]: 1 });

/** Units and value per product, counted on the day the order became paid. */
export function orderPaidCounter(order: OrderRecord, at: string): Item {
  const increments: Record<string, number> = { paidOrders: 1, paidValue: order.total };
  for (const line of order.items) {
    increments[`q_${line.productId}`] = (increments[`q_${line.productId}`] ?? 0) + line.quantity;
    increments[`r_${line.productId}`] = (increments[`r_${line.productId}`] ?? 0) + line.lineTotal;
  }
  return add(dayOf(at), 'SALES', increments);
}

/** Money received (a refund is a negative amount) on the day it was recorded. */
export const revenueCounter = (amount: number, at: string): Item =>
  add(dayOf(at), 'PAYMENTS', amount >= 0 ? { revenue: amount, payments: 1 } : { revenue: amount, refunds: 1 });
