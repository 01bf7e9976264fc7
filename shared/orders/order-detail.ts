/**
 * One order with its payments, refunds and shipments, as GET /orders/{id} shows it: one Query of
 * the order's partition `ORDER#<id>` (strongly consistent; further pages only past 1 MB), which
 * holds the order, its index item, its ledger (PAYMENT#, REFUND#) and its shipments (SHIPMENT#).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { db, tableName } from '../clients/dynamodb.js';
import { NotFoundError } from '../errors.js';
import { ledgerOf, type OrderLedger } from '../payments/payment-repository.js';
import { SHIPMENT_PREFIX, toShipmentRecord, type ShipmentRecord } from '../shipments/shipment.js';
import { orderKey } from './order-keys.js';
import { toOrderRecord, type OrderRecord } from './order.js';

export interface OrderDetail {
  readonly order: OrderRecord;
  readonly ledger: OrderLedger;
  /** Oldest first (ULID ids sort by time). */
  readonly shipments: ShipmentRecord[];
}

/** As getOrderFor: another customer's order is a 404, not a 403. */
export async function orderDetailFor(auth: AuthContext, orderId: string): Promise<OrderDetail> {
  const key = orderKey(orderId);
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': key.pk }, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const orderItem = items.find((item) => item.sk === key.sk);
  const order = orderItem ? toOrderRecord(orderItem) : undefined;
  if (!order || (!isAdmin(auth) && order.userId !== auth.userId)) throw new NotFoundError('Order');
  return {
    order,
    ledger: ledgerOf(items),
    shipments: items.filter((item) => String(item.sk).startsWith(SHIPMENT_PREFIX)).map(toShipmentRecord),
  };
}
