import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { authFromSessionItems, sessionKeys } from '../auth/session-state.js';
import type { TokenClaims } from '../auth/tokens.js';
import { batchGetInOrder } from '../batch-get.js';
import { db, tableName } from '../clients/dynamodb.js';
import { UnauthorizedError } from '../errors.js';
import { ADMIN_CONNECTIONS_PARTITION, connectionItem, connectionKey, toConnectionRecord, userConnectionsPartition, type ConnectionRecord } from './connection-keys.js';

export async function saveConnection(connection: Omit<ConnectionRecord, 'expiresAt'>): Promise<void> {
  await db.send(new PutCommand({ TableName: tableName, Item: connectionItem(connection, Math.floor(Date.now() / 1000)) }));
}

/**
 * The authorizer's session check once more (the user, the token's denial record, its session
 * family; strongly consistent), run by `$connect` after `saveConnection`: false when the
 * session has ended since, or the user's role is no longer the one the connection was saved
 * with (a role change closes sockets the same way a logout does).
 */
export async function sessionStandsAfterSave(claims: TokenClaims): Promise<boolean> {
  const { items } = await batchGetInOrder(sessionKeys(claims), ['role', 'disabled', 'sessionVersion', 'revoked'], { consistent: true });
  try {
    return authFromSessionItems(claims, items, 'user').role === claims.role;
  } catch (error) {
    if (error instanceof UnauthorizedError) return false;
    throw error;
  }
}

/** Idempotent: `$disconnect`, a GoneException and a close may all forget the same connection. */
export async function forgetConnection(connectionId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: connectionKey(connectionId) }));
}

/** Live connections of one index partition; those past API Gateway's 2-hour limit are skipped. */
async function connectionsOf(indexName: 'gsi1' | 'gsi2', partition: string): Promise<ConnectionRecord[]> {
  const connections: ConnectionRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: indexName,
        KeyConditionExpression: `${indexName}pk = :pk`,
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':pk': partition, ':now': Math.floor(Date.now() / 1000) },
        ExclusiveStartKey: startKey,
      }),
    );
    connections.push(...(page.Items ?? []).map(toConnectionRecord));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return connections;
}

export const userConnections = (userId: string) => connectionsOf('gsi1', userConnectionsPartition(userId));
export const adminConnections = () => connectionsOf('gsi2', ADMIN_CONNECTIONS_PARTITION);
