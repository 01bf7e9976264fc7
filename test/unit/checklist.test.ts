/** Issue 11 item 12: tokens missing `iss` or `aud`; the bcrypt cost in use. */
import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../shared/auth/keys.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { verifyAccessToken, verifyRefreshToken } from '../../shared/auth/tokens.js';
import { readConfig } from '../../shared/config.js';
import { UnauthorizedError } from '../../shared/errors.js';

const now = () => Math.floor(Date.now() / 1000);
const sign = (typ: string, claims: Record<string, unknown>, key: Uint8Array) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ, kid: 'k1' }).sign(key);

describe('tokens without iss or aud', () => {
  const complete = { sub: 'u1', jti: 'j1', fam: 'f1', ver: 0, role: 'customer', iss: 'order-management', aud: 'order-management-api' };
  for (const [kind, typ, verify, purpose] of [
    ['access', 'at+jwt', verifyAccessToken, 'access-token'],
    ['refresh', 'rt+jwt', verifyRefreshToken, 'refresh-token'],
  ] as const) {
    it(`${kind} tokens: missing iss, missing aud or both are 401, though validly signed`, async () => {
      const key = deriveKey(purpose);
      const times = { iat: now(), exp: now() + 600 };
      await expect(verify(await sign(typ, { ...complete, ...times }, key))).resolves.toMatchObject({ userId: 'u1' });
      const { iss: _iss, ...noIss } = complete;
      const { aud: _aud, ...noAud } = complete;
      const { iss: _i, aud: _a, ...neither } = complete;
      for (const claims of [noIss, noAud, neither, { ...complete, aud: [] }, { ...complete, iss: '' }]) {
        await expect(verify(await sign(typ, { ...claims, ...times }, key))).rejects.toBeInstanceOf(UnauthorizedError);
      }
    });
  }
});

describe('bcrypt cost', () => {
  it('defaults to 11 outside tests and refuses anything under 10', () => {
    expect(readConfig(['BCRYPT_COST'], {}).BCRYPT_COST).toBe(11);
    expect(readConfig(['BCRYPT_COST'], { BCRYPT_COST: '10' }).BCRYPT_COST).toBe(10);
    expect(() => readConfig(['BCRYPT_COST'], { BCRYPT_COST: '9' })).toThrow(/BCRYPT_COST/);
    expect(() => readConfig(['BCRYPT_COST'], { BCRYPT_COST: '4' })).toThrow(/BCRYPT_COST/);
  });

  it('the hashes the app writes carry the configured cost (10 in the test environment, never lower)', async () => {
    const hash = await hashPassword('correct horse');
    expect(bcrypt.getRounds(hash)).toBe(Number(process.env.BCRYPT_COST));
    expect(bcrypt.getRounds(hash)).toBeGreaterThanOrEqual(10);
  });
});
