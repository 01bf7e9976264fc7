/**
 * Which items say whether a token's session still stands, and the decision on them. Pure (no
 * client, no key material): the repositories that carry the lookup in their own reads
 * (shared/auth/pending-session.ts) import it without pulling token verification into their
 * bundles, or the JWT secret into their functions' grants.
 */
import type { AuthLevel } from '../../infra/route-types.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Role } from '../schemas/users.js';
import type { AuthContext } from './authenticate.js';
import type { TokenClaims } from './tokens.js';

export const familyKey = (familyId: string) => ({ pk: `SESSION#${familyId}`, sk: 'SESSION' });
export const revokedTokenKey = (jti: string) => ({ pk: `REVOKED#${jti}`, sk: 'TOKEN' });

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
  return { userId: claims.userId, role, jti: claims.jti, familyId: claims.familyId, sessionVersion: claims.sessionVersion, tokenExpiresAt: claims.expiresAt };
}
