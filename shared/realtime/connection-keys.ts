/**
 * WebSocket connections in the single table.
 *
 *   connection  pk WS#<connectionId>  sk CONNECTION  gsi1 WS#USER#<userId> / <connectedAt>#<id>  (a user's sockets)
 *                                                    gsi2 WS#ADMINS / <connectedAt>#<id>         (admins only)
 *
 * Keyed by the connection id alone, so `$disconnect` and a `GoneException` clean up without
 * trusting anything but the id. `expiresAt` is API Gateway's 2-hour connection limit: reads
 * skip connections past it (a `$disconnect` can be lost), and `ttl`, the same instant, only
 * collects the garbage (DynamoDB deletes expired items within days, so reads never rely on
 * it). `WS#ADMINS` is written twice per admin socket (open, close), never by orders: a
 * handful of admins stays far below a partition's 1,000 writes a second.
 */
import type { Role } from '../schemas/users.js';

export const CONNECTION_LIFETIME_SECONDS = 2 * 3600;

export const connectionKey = (connectionId: string) => ({ pk: `WS#${connectionId}`, sk: 'CONNECTION' });
export const userConnectionsPartition = (userId: string) => `WS#USER#${userId}`;
export const ADMIN_CONNECTIONS_PARTITION = 'WS#ADMINS';

export interface ConnectionRecord {
  readonly connectionId: string;
  readonly userId: string;
  readonly role: Role;
  /** The session family of the token it connected with: that session's logout closes it. */
  readonly familyId: string;
  readonly connectedAt: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

/** The item of a new connection, index keys included. */
export function connectionItem(connection: Omit<ConnectionRecord, 'expiresAt'>, nowSeconds: number) {
  const expiresAt = nowSeconds + CONNECTION_LIFETIME_SECONDS;
  const sortKey = `${connection.connectedAt}#${connection.connectionId}`;
  return {
    ...connectionKey(connection.connectionId),
    type: 'connection',
    ...connection,
    expiresAt,
    ttl: expiresAt,
    gsi1pk: userConnectionsPartition(connection.userId),
    gsi1sk: sortKey,
    ...(connection.role === 'admin' ? { gsi2pk: ADMIN_CONNECTIONS_PARTITION, gsi2sk: sortKey } : {}),
  };
}

export const toConnectionRecord = (item: Record<string, unknown>): ConnectionRecord => ({
  connectionId: item.connectionId as string,
  userId: item.userId as string,
  role: item.role as Role,
  familyId: item.familyId as string,
  connectedAt: item.connectedAt as string,
  expiresAt: item.expiresAt as number,
});
