import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { orderKey } from './order-keys.js';
import { toOrderRecord, type OrderRecord } from './order.js';

/**
 * One order, strongly consistent. A module of its own: the order-events processor needs only
 * this, and order-repository.ts brings the list pagination, whose cursor key is derived from
 * the JWT secret (a secret the processor then had to be granted).
 */
export async function findOrder(id: string): Promise<OrderRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: orderKey(id), ConsistentRead: true }));
  return Item ? toOrderRecord(Item) : undefined;
}
