import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { UnauthorizedError } from '../errors.js';
import type { Role } from '../schemas/users.js';
import { authConfig } from './auth-config.js';
import { keyStore as defaultKeyStore, type KeyPurpose, type KeyStore } from './keys.js';

const ALGORITHM = 'HS256';
const kinds = {
  access: { typ: 'at+jwt', purpose: 'access-token', ttl: authConfig.ACCESS_TOKEN_TTL_SECONDS },
  refresh: { typ: 'rt+jwt', purpose: 'refresh-token', ttl: authConfig.REFRESH_TOKEN_TTL_SECONDS },
} as const satisfies Record<string, { typ: string; purpose: KeyPurpose; ttl: number }>;
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

/** Signs with the current key; the header names it (`kid`) so rotation can overlap. */
async function sign(kind: TokenKind, claims: Omit<TokenClaims, 'jti' | 'expiresAt'>, keys: KeyStore = defaultKeyStore): Promise<SignedToken> {
  const { typ, purpose, ttl } = kinds[kind];
  const { kid, key } = await keys.signingKey(purpose);
  const jti = randomUUID();
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + ttl;
  const token = await new SignJWT({ fam: claims.familyId, ver: claims.sessionVersion, role: claims.role })
    .setProtectedHeader({ alg: ALGORITHM, typ, kid })
    .setSubject(claims.userId)
    .setJti(jti)
    .setIssuer(authConfig.JWT_ISSUER)
    .setAudience(authConfig.JWT_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key);
  return { token, jti, expiresAt };
}

/** Verifies with the key the token's `kid` names (none: "k1"); an unknown kid is a 401. */
async function verify(kind: TokenKind, token: string, keys: KeyStore = defaultKeyStore): Promise<TokenClaims> {
  const { typ, purpose } = kinds[kind];
  const keyOfKid = async (header: { kid?: string | undefined }) => {
    const key = await keys.verificationKey(purpose, header.kid);
    if (!key) throw new Error('unknown kid');
    return key;
  };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyOfKid, {
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

type Claims = Omit<TokenClaims, 'jti' | 'expiresAt'>;
/** `keys`: the app's key store unless a test passes its own (rotation tests). */
export const signAccessToken = (claims: Claims, keys?: KeyStore) => sign('access', claims, keys);
export const signRefreshToken = (claims: Claims, keys?: KeyStore) => sign('refresh', claims, keys);
export const verifyAccessToken = (token: string, keys?: KeyStore) => verify('access', token, keys);
export const verifyRefreshToken = (token: string, keys?: KeyStore) => verify('refresh', token, keys);
export const accessTokenTtlSeconds = kinds.access.ttl;
