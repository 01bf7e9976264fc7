import { SignJWT, base64url } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveKey } from '../../shared/auth/keys.js';
import { signAccessToken, signRefreshToken, verifyAccessToken, verifyRefreshToken } from '../../shared/auth/tokens.js';
import { UnauthorizedError } from '../../shared/errors.js';

const claims = { userId: 'u1', familyId: 'f1', sessionVersion: 0, role: 'customer' as const };

async function forge(header: Record<string, unknown>, payload: Record<string, unknown>, key: Uint8Array) {
  return new SignJWT(payload).setProtectedHeader(header as never).sign(key);
}

describe('access and refresh tokens', () => {
  afterEach(() => vi.useRealTimers());

  it('round-trips the claims', async () => {
    const { token, jti } = await signAccessToken(claims);
    const verified = await verifyAccessToken(token);
    expect(verified).toMatchObject({ ...claims, jti });
    expect(verified.expiresAt - Math.floor(Date.now() / 1000)).toBe(900);
  });

  it('rejects a tampered payload', async () => {
    const { token } = await signAccessToken(claims);
    const [header, payload, signature] = token.split('.');
    const changed = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
    changed.role = 'admin';
    const tampered = `${header}.${base64url.encode(JSON.stringify(changed))}.${signature}`;
    await expect(verifyAccessToken(tampered)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('rejects a token with a flipped signature byte', async () => {
    const { token } = await signAccessToken(claims);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await expect(verifyAccessToken(`${token.slice(0, -2)}${last}${token.at(-1)}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('rejects alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(
      JSON.stringify({ sub: 'u1', jti: 'x', iat: now, exp: now + 900, iss: 'order-management', aud: 'order-management-api', fam: 'f1', ver: 0, role: 'admin' }),
    );
    await expect(verifyAccessToken(`${header}.${payload}.`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('rejects another HMAC algorithm even with the right key', async () => {
    const token = await forge({ alg: 'HS512', typ: 'at+jwt' }, { sub: 'u1', jti: 'x', fam: 'f1', ver: 0, role: 'customer', iss: 'order-management', aud: 'order-management-api', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 }, deriveKey('access-token'));
    await expect(verifyAccessToken(token)).rejects.toThrow('The token is invalid');
  });

  it('expires after 15 minutes (injected clock)', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const { token } = await signAccessToken(claims);
    vi.setSystemTime(new Date('2026-01-01T00:14:59Z'));
    await expect(verifyAccessToken(token)).resolves.toMatchObject({ userId: 'u1' });
    vi.setSystemTime(new Date('2026-01-01T00:15:01Z'));
    await expect(verifyAccessToken(token)).rejects.toThrow('The token has expired');
  });

  it('keeps access and refresh tokens apart', async () => {
    const access = await signAccessToken(claims);
    const refresh = await signRefreshToken(claims);
    await expect(verifyRefreshToken(access.token)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verifyAccessToken(refresh.token)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verifyRefreshToken(refresh.token)).resolves.toMatchObject({ userId: 'u1' });
  });

  it('checks typ, issuer and audience', async () => {
    const key = deriveKey('access-token');
    const base = { sub: 'u1', jti: 'x', fam: 'f1', ver: 0, role: 'customer', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 };
    const good = { ...base, iss: 'order-management', aud: 'order-management-api' };
    await expect(verifyAccessToken(await forge({ alg: 'HS256', typ: 'at+jwt' }, good, key))).resolves.toBeTruthy();
    await expect(verifyAccessToken(await forge({ alg: 'HS256', typ: 'JWT' }, good, key))).rejects.toThrow();
    await expect(verifyAccessToken(await forge({ alg: 'HS256', typ: 'at+jwt' }, { ...good, iss: 'evil' }, key))).rejects.toThrow();
    await expect(verifyAccessToken(await forge({ alg: 'HS256', typ: 'at+jwt' }, { ...good, aud: 'other' }, key))).rejects.toThrow();
    await expect(verifyAccessToken(await forge({ alg: 'HS256', typ: 'at+jwt' }, good, deriveKey('refresh-token')))).rejects.toThrow();
  });
});
