import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthLevel } from '../../infra/route-types.js';
import { db, tableName } from '../clients/dynamodb.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Role } from '../schemas/users.js';
import { headerValue } from '../http/parse.js';
import type { HttpEvent } from '../http/types.js';
import { familyKey, revokedTokenKey } from './sessions.js';
import { verifyAccessToken, type TokenClaims } from './tokens.js';

export interface AuthContext {
  readonly userId: string;
  /** The role as stored now, not as it was when the token was issued. */
  readonly role: Role;
  readonly jti: string;
  readonly familyId: string;
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

/** The items that say whether a token's session still stands: its user, its denial record, its session family. */
export const sessionKeys = (claims: Pick<TokenClaims, 'userId' | 'jti' | 'familyId'>) => [
  { pk: `USER#${claims.userId}`, sk: 'PROFILE' },
  revokedTokenKey(claims.jti),
  familyKey(claims.familyId),
];

/**
 * The decision on those items (read strongly consistent; other items among them are ignored):
 * the user as stored now, or 401 (inactive user, ended session, revoked token) / 403.
 */
export function authFromSessionItems(claims: TokenClaims, items: Iterable<Record<string, unknown>>, level: Exclude<AuthLevel, 'public'>): AuthContext {
  const byPk = new Map([...items].map((item) => [item.pk as string, item]));
  const [userKey, deniedKey, familyOfToken] = sessionKeys(claims);
  const user = byPk.get(userKey!.pk);
  const family = byPk.get(familyOfToken!.pk);
  if (!user || user.disabled === true) throw new UnauthorizedError('The account is not active');
  if ((user.sessionVersion ?? 0) !== claims.sessionVersion) throw new UnauthorizedError('The session has ended');
  if (byPk.has(deniedKey!.pk) || !family || family.revoked === true) throw new UnauthorizedError('The token has been revoked');
  const role = user.role as Role;
  if (level === 'admin' && role !== 'admin') throw new ForbiddenError('Administrators only');
  return { userId: claims.userId, role, jti: claims.jti, familyId: claims.familyId, tokenExpiresAt: claims.expiresAt };
}
