import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthLevel } from '../../infra/route-types.js';
import { db, tableName } from '../clients/dynamodb.js';
import { UnauthorizedError } from '../errors.js';
import type { Role } from '../schemas/users.js';
import { headerValue } from '../http/parse.js';
import type { HttpEvent } from '../http/types.js';
import { PendingSession } from './pending-session.js';
import { authFromSessionItems, sessionKeys } from './session-state.js';
import { verifyAccessToken } from './tokens.js';

export interface AuthContext {
  readonly userId: string;
  /** The role as stored now, not as it was when the token was issued. */
  readonly role: Role;
  readonly jti: string;
  readonly familyId: string;
  /** The session version the token was issued under (checked equal to the stored one). */
  readonly sessionVersion: number;
  readonly tokenExpiresAt: number;
}

export const ACCESS_TOKEN_COOKIE = 'accessToken';

export function extractAccessToken(event: HttpEvent): string | undefined {
  const authorization = headerValue(event, 'authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    return match?.[1];
  }
  const cookies = event.cookies ?? headerValue(event, 'cookie')?.split(';') ?? [];
  for (const cookie of cookies) {
    const [name, ...value] = cookie.trim().split('=');
    if (name === ACCESS_TOKEN_COOKIE && value.length > 0) return value.join('=');
  }
  return undefined;
}

/**
 * Verifies the token, then reads the user, the token's denial record and its session family
 * in one BatchGetItem, so logout, disabling, deletion, role changes and password resets take
 * effect on the very next request.
 */
export async function authenticate(event: HttpEvent, level: Exclude<AuthLevel, 'public'>): Promise<AuthContext> {
  return authenticateToken(extractAccessToken(event), level);
}

/** The checks of `authenticate` on a token from anywhere (the WebSocket authorizer reads `?token=`). */
export async function authenticateToken(token: string | undefined, level: Exclude<AuthLevel, 'public'>): Promise<AuthContext> {
  if (!token) throw new UnauthorizedError('Authentication required');
  const claims = await verifyAccessToken(token);
  const { Responses, UnprocessedKeys } = await db.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName]: {
          Keys: sessionKeys(claims),
          ProjectionExpression: 'pk, #role, disabled, sessionVersion, revoked',
          ExpressionAttributeNames: { '#role': 'role' },
          ConsistentRead: true,
        },
      },
    }),
  );
  if (UnprocessedKeys?.[tableName]?.Keys?.length) throw new Error('authentication lookup was throttled');
  return authFromSessionItems(claims, Responses?.[tableName] ?? [], level);
}

/** The pipeline's first step on a `sessionLookup: 'joined'` route: the token verified, its session still to look up. */
export async function pendingSession(event: HttpEvent): Promise<PendingSession> {
  const token = extractAccessToken(event);
  if (!token) throw new UnauthorizedError('Authentication required');
  return new PendingSession(await verifyAccessToken(token));
}
