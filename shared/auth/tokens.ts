import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { UnauthorizedError } from '../errors.js';
import type { Role } from '../schemas/users.js';
import { authConfig } from './auth-config.js';
import { deriveKey } from './keys.js';

const ALGORITHM = 'HS256';
const kinds = {
  access: { typ: 'at+jwt', key: deriveKey('access-token'), ttl: authConfig.ACCESS_TOKEN_TTL_SECONDS },
  refresh: { typ: 'rt+jwt', key: deriveKey('refresh-token'), ttl: authConfig.REFRESH_TOKEN_TTL_SECONDS },
} as const;
type TokenKind = keyof typeof kinds;

export interface TokenClaims {
  readonly userId: string;
  readonly jti: string;
  /** Session family: every access and refresh token descended from one login. */
  readonly familyId: string;
  /** The user's session version when issued; a password reset bumps it. */
  readonly sessionVersion: number;
  readonly role: Role;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

export interface SignedToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresAt: number;
}

async function sign(kind: TokenKind, claims: Omit<TokenClaims, 'jti' | 'expiresAt'>): Promise<SignedToken> {
  const { typ, key, ttl } = kinds[kind];
  const jti = randomUUID();
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + ttl;
  const token = await new SignJWT({ fam: claims.familyId, ver: claims.sessionVersion, role: claims.role })
    .setProtectedHeader({ alg: ALGORITHM, typ })
    .setSubject(claims.userId)
    .setJti(jti)
    .setIssuer(authConfig.JWT_ISSUER)
    .setAudience(authConfig.JWT_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key);
  return { token, jti, expiresAt };
}

async function verify(kind: TokenKind, token: string): Promise<TokenClaims> {
  const { typ, key } = kinds[kind];
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      typ,
      issuer: authConfig.JWT_ISSUER,
      audience: authConfig.JWT_AUDIENCE,
      requiredClaims: ['sub', 'jti', 'exp', 'iat'],
      currentDate: new Date(),
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('The token has expired');
    throw new UnauthorizedError('The token is invalid');
  }
  const { sub, jti, exp, fam, ver, role } = payload;
  if (typeof fam !== 'string' || typeof ver !== 'number' || (role !== 'admin' && role !== 'customer')) {
    throw new UnauthorizedError('The token is invalid');
  }
  return { userId: sub!, jti: jti!, expiresAt: exp!, familyId: fam, sessionVersion: ver, role };
}

export const signAccessToken = (claims: Omit<TokenClaims, 'jti' | 'expiresAt'>) => sign('access', claims);
export const signRefreshToken = (claims: Omit<TokenClaims, 'jti' | 'expiresAt'>) => sign('refresh', claims);
export const verifyAccessToken = (token: string) => verify('access', token);
export const verifyRefreshToken = (token: string) => verify('refresh', token);
export const accessTokenTtlSeconds = kinds.access.ttl;
