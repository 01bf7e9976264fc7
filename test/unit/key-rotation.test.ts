/**
 * JWT key rotation (shared/auth/keys.ts): tokens carry the signing key's kid; a key ring
 * `{current, previous}` verifies tokens of both keys during the overlap; an unknown kid is a
 * 401; a store backed by Secrets Manager picks up a rotated secret without a deploy.
 * Secrets at runtime (shared/clients/secrets-manager.ts): plain variable first, else one
 * cached GetSecretValue by ARN.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readSecret, secretFromEnv } from '../../shared/clients/secrets-manager.js';
import { DEFAULT_KID, KeyStore, keySourceFromEnv, keyStore, parseKeyRing } from '../../shared/auth/keys.js';
import { signAccessToken, signRefreshToken, verifyAccessToken, verifyRefreshToken } from '../../shared/auth/tokens.js';
import { UnauthorizedError } from '../../shared/errors.js';

const claims = { userId: 'u1', familyId: 'f1', sessionVersion: 0, role: 'customer' as const };
const K1 = { kid: 'k1', secret: 'first-secret-first-secret-first-secret-0001' };
const K2 = { kid: 'k2', secret: 'second-secret-second-secret-second-secret-02' };
const K3 = { kid: 'k3', secret: 'third-secret-third-secret-third-secret-00003' };

/** A store over a fixed value (no reloads). */
const fixed = (value: unknown) =>
  KeyStore.open({ load: async () => (typeof value === 'string' ? value : JSON.stringify(value)), reloadable: false });

describe('parseKeyRing', () => {
  it('reads a plain string as one key with kid "k1"', () => {
    expect(parseKeyRing(K1.secret)).toEqual({ current: { kid: DEFAULT_KID, secret: K1.secret } });
  });

  it('reads {current, previous}', () => {
    expect(parseKeyRing(JSON.stringify({ current: K2, previous: K1 }))).toEqual({ current: K2, previous: K1 });
  });

  it.each([
    ['a short plain secret', 'too-short'],
    ['broken JSON', '{"current":'],
    ['no current key', JSON.stringify({ previous: K1 })],
    ['a short secret in JSON', JSON.stringify({ current: { kid: 'k2', secret: 'short' } })],
    ['a kid with odd characters', JSON.stringify({ current: { kid: 'k 2', secret: K2.secret } })],
    ['the same kid twice', JSON.stringify({ current: K1, previous: { ...K2, kid: 'k1' } })],
  ])('refuses %s', (_, value) => {
    expect(() => parseKeyRing(value)).toThrow(/Invalid configuration: JWT secret/);
  });

  it('needs JWT_SECRET or JWT_SECRET_ARN', () => {
    expect(() => keySourceFromEnv({})).toThrow(/JWT_SECRET or JWT_SECRET_ARN must be set/);
    expect(keySourceFromEnv({ JWT_SECRET: K1.secret, JWT_SECRET_ARN: 'arn:x' }).reloadable).toBe(false);
    expect(keySourceFromEnv({ JWT_SECRET_ARN: 'arn:x' }).reloadable).toBe(true);
  });
});

describe('tokens during a key rotation', () => {
  it('carry the kid of the key that signed them (the app: "k1" from the plain JWT_SECRET)', async () => {
    expect(decodeProtectedHeader((await signAccessToken(claims)).token).kid).toBe('k1');
    expect(keyStore.currentKid).toBe('k1');
    const rotated = await fixed({ current: K2, previous: K1 });
    expect(decodeProtectedHeader((await signAccessToken(claims, rotated)).token)).toMatchObject({ alg: 'HS256', typ: 'at+jwt', kid: 'k2' });
  });

  it('verify with both keys while the previous one is listed, then only with the current one', async () => {
    const before = await fixed(K1.secret); // plain string: kid k1
    const during = await fixed({ current: K2, previous: K1 });
    const after = await fixed({ current: K2 });
    const oldAccess = await signAccessToken(claims, before);
    const oldRefresh = await signRefreshToken(claims, before);
    const newAccess = await signAccessToken(claims, during);

    await expect(verifyAccessToken(oldAccess.token, during)).resolves.toMatchObject({ userId: 'u1', jti: oldAccess.jti });
    await expect(verifyRefreshToken(oldRefresh.token, during)).resolves.toMatchObject({ userId: 'u1' });
    await expect(verifyAccessToken(newAccess.token, during)).resolves.toMatchObject({ jti: newAccess.jti });
    await expect(verifyAccessToken(newAccess.token, after)).resolves.toMatchObject({ jti: newAccess.jti });

    await expect(verifyAccessToken(oldAccess.token, after)).rejects.toThrow(new UnauthorizedError('The token is invalid'));
    await expect(verifyRefreshToken(oldRefresh.token, after)).rejects.toBeInstanceOf(UnauthorizedError);
    // A server that has not seen the new key yet rejects the new token (it reloads: below).
    await expect(verifyAccessToken(newAccess.token, before)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('answer 401 for an unknown kid, even when the signature would match another key', async () => {
    const store = await fixed({ current: K2, previous: K1 });
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: 'u1', jti: 'j', fam: 'f1', ver: 0, role: 'customer', iss: 'order-management', aud: 'order-management-api', iat: now, exp: now + 60 };
    const keyOfK2 = store.keyFor('access-token', 'k2')!;
    const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'k9' }).sign(keyOfK2);
    await expect(verifyAccessToken(forged, store)).rejects.toThrow(new UnauthorizedError('The token is invalid'));
    const honest = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'k2' }).sign(keyOfK2);
    await expect(verifyAccessToken(honest, store)).resolves.toMatchObject({ jti: 'j' });
  });

  it('treat a token without kid (issued before kids) as "k1"', async () => {
    const store = await fixed({ current: K2, previous: K1 });
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: 'u1', jti: 'j', fam: 'f1', ver: 0, role: 'customer', iss: 'order-management', aud: 'order-management-api', iat: now, exp: now + 60 };
    const legacy = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(store.keyFor('access-token', 'k1')!);
    await expect(verifyAccessToken(legacy, store)).resolves.toMatchObject({ jti: 'j' });
    await expect(verifyAccessToken(legacy, await fixed({ current: K2 }))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('derive independent keys per kid and purpose', async () => {
    const store = await fixed({ current: K2, previous: K1 });
    const keys = [store.keyFor('access-token', 'k1'), store.keyFor('access-token', 'k2'), store.keyFor('refresh-token', 'k2'), store.keyFor('cursor')];
    expect(new Set(keys.map((k) => Buffer.from(k!).toString('hex'))).size).toBe(4);
    expect(store.keyFor('access-token', 'nope')).toBeUndefined();
  });
});

describe('a key store backed by Secrets Manager (reloads)', () => {
  let clock: number;
  let value: string;
  let loads: number;
  const open = () =>
    KeyStore.open(
      {
        load: async () => {
          loads += 1;
          return value;
        },
        reloadable: true,
      },
      () => clock,
    );

  beforeEach(() => {
    clock = 1_000_000;
    loads = 0;
    value = JSON.stringify({ current: K1 });
  });

  it('verifies a token of a key it has not seen yet after reloading (at most every 30 s)', async () => {
    const warm = await open();
    value = JSON.stringify({ current: K2, previous: K1 }); // the operator rotates
    const fresh = await signAccessToken(claims, await fixed(value));
    clock += 10_000;
    await expect(verifyAccessToken(fresh.token, warm)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(loads).toBe(1);
    clock += 21_000;
    await expect(verifyAccessToken(fresh.token, warm)).resolves.toMatchObject({ jti: fresh.jti });
    expect(loads).toBe(2);
    // A kid nobody knows does not make every request read the secret.
    const forged = await signAccessToken(claims, await fixed({ current: K3 }));
    await expect(verifyAccessToken(forged.token, warm)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verifyAccessToken(forged.token, warm)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(loads).toBe(2);
  });

  it('signs with the new current key within 5 minutes, and keeps its keys when a reload fails', async () => {
    const warm = await open();
    value = JSON.stringify({ current: K2, previous: K1 });
    clock += 60_000;
    expect(decodeProtectedHeader((await signAccessToken(claims, warm)).token).kid).toBe('k1');
    clock += 5 * 60_000;
    expect(decodeProtectedHeader((await signAccessToken(claims, warm)).token).kid).toBe('k2');
    value = '{"broken';
    clock += 5 * 60_000 + 1;
    expect(decodeProtectedHeader((await signAccessToken(claims, warm)).token).kid).toBe('k2');
  });
});

describe('secrets at runtime', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());
  afterEach(() => vi.unstubAllEnvs());

  it('uses the plain variable when set and calls no AWS API', async () => {
    await expect(secretFromEnv('SOME_SECRET', { SOME_SECRET: 'plain', SOME_SECRET_ARN: 'arn:x' })).resolves.toBe('plain');
    await expect(secretFromEnv('SOME_SECRET', {})).resolves.toBeUndefined();
    expect(sm.calls()).toHaveLength(0);
  });

  it('else reads the secret the *_ARN variable names, once (cached), again when asked fresh', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:cache-test' }).resolves({ SecretString: 'from-sm' });
    const env = { SOME_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:cache-test' };
    await expect(secretFromEnv('SOME_SECRET', env)).resolves.toBe('from-sm');
    await expect(secretFromEnv('SOME_SECRET', env)).resolves.toBe('from-sm');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    await expect(readSecret(env.SOME_SECRET_ARN, { fresh: true })).resolves.toBe('from-sm');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failed read', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'second try' });
    await expect(readSecret('failing-once')).rejects.toThrow('throttled');
    await expect(readSecret('failing-once')).resolves.toBe('second try');
  });

  it('Stripe: the checkout and webhook secrets come from Secrets Manager when only their ARNs are set', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'stripe-key-arn' }).resolves({ SecretString: 'sk_test_from_sm' });
    sm.on(GetSecretValueCommand, { SecretId: 'stripe-webhook-arn' }).resolves({ SecretString: 'whsec_from_sm' });
    vi.stubEnv('STRIPE_SECRET_KEY', '');
    vi.stubEnv('STRIPE_WEBHOOK_SECRET', '');
    vi.stubEnv('STRIPE_SECRET_KEY_ARN', 'stripe-key-arn');
    vi.stubEnv('STRIPE_WEBHOOK_SECRET_ARN', 'stripe-webhook-arn');
    vi.resetModules();
    const { stripeConfig } = await import('../../shared/payments/stripe-config.js');
    expect(stripeConfig).toMatchObject({ secretKey: 'sk_test_from_sm', webhookSecret: 'whsec_from_sm' });
  });
});
