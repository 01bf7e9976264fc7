import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { toUserRecord, type UserRecord } from './user.js';

/**
 * One user by id. A module of its own: the order-events processor needs only this, and
 * user-repository.ts brings the list pagination, whose cursor key is derived from the JWT
 * secret (a secret the processor then had to be granted).
 */
/** The claim item that makes an email unique: it names the user who has it. */
export const emailKey = (email: string) => ({ pk: `EMAIL#${email}`, sk: 'EMAIL' });

export async function findUserById(id: string): Promise<UserRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `USER#${id}`, sk: 'PROFILE' } }));
  return Item ? toUserRecord(Item) : undefined;
}

export async function findUserByEmail(email: string): Promise<UserRecord | undefined> {
  const { Item: claim } = await db.send(new GetCommand({ TableName: tableName, Key: emailKey(email) }));
  if (!claim) return undefined;
  return findUserById(claim.userId as string);
}
