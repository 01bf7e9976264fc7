import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { refundKey, type RefundRecord } from './payment.js';

/**
 * One refund issued here, strongly consistent. A module of its own for the order-events
 * processor (it checks a refund before emailing the customer about it), without the ledger code.
 */
export async function findRefund(orderId: string, refundId: string): Promise<RefundRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: refundKey(orderId, refundId), ConsistentRead: true }));
  return Item as RefundRecord | undefined;
}
