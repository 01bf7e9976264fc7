import { describe, expect, it } from 'vitest';
import { waitForEmails } from '../support/mail-store.js';
import { api, expectError, registerUser, target, uniqueEmail } from './client.js';

const mailStore = target.sesStoreUrl;

describe('POST /auth/register', () => {
  it('201 with user and tokens, cookie set, welcome email delivered once', async () => {
    const email = uniqueEmail('Register');
    const response = await api('POST', '/auth/register', { body: { email, password: 'correct horse', name: 'Ann' } });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ email: email.toLowerCase(), name: 'Ann', role: 'customer', disabled: false });
    expect(Object.keys(response.body.user).sort()).toEqual(['createdAt', 'disabled', 'email', 'id', 'name', 'role', 'updatedAt']);
    expect(response.body).toMatchObject({ expiresIn: 900 });
    expect(response.headers.get('set-cookie')).toMatch(/accessToken=.+HttpOnly; Secure; SameSite=Strict/);
    if (mailStore) {
      const emails = await waitForEmails(mailStore, email.toLowerCase());
      expect(emails.map((e) => e.subject)).toEqual(['Welcome to the shop']);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await waitForEmails(mailStore, email.toLowerCase(), 2, 0)).toHaveLength(1);
    }
  });

  it('409 EMAIL_TAKEN for the same email in any case', async () => {
    const { email } = await registerUser('dupe');
    expectError(await api('POST', '/auth/register', { body: { email: email.toUpperCase(), password: 'correct horse', name: 'X' } }), 409, 'EMAIL_TAKEN');
  });

  it('400 VALIDATION_ERROR listing each bad field; unknown fields rejected', async () => {
    const error = expectError(await api('POST', '/auth/register', { body: { email: 'x', password: 'short', role: 'admin' } }), 400, 'VALIDATION_ERROR');
    const fields = (error.details.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.password', 'body.name', 'body.role']));
  });

  it('400 for a password over 72 bytes', async () => {
    expectError(await api('POST', '/auth/register', { body: { email: uniqueEmail('long'), password: 'x'.repeat(73), name: 'L' } }), 400, 'VALIDATION_ERROR');
  });

  it('400 BAD_REQUEST for malformed JSON, 413 for bodies over 64 KiB', async () => {
    expectError(await api('POST', '/auth/register', { rawBody: '{"email":' }), 400, 'BAD_REQUEST');
    expectError(await api('POST', '/auth/register', { body: { email: 'a@b.co', password: 'x'.repeat(70_000), name: 'n' } }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('POST /auth/login', () => {
  it('200 with tokens; the cookie alone authenticates', async () => {
    const { email, password } = await registerUser('login');
    const response = await api('POST', '/auth/login', { body: { email: email.toUpperCase(), password } });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    const me = await api('GET', '/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email.toLowerCase());
  });

  it('401 INVALID_CREDENTIALS, identical for unknown email and wrong password', async () => {
    const { email } = await registerUser('creds');
    const wrong = expectError(await api('POST', '/auth/login', { body: { email, password: 'wrong password' } }), 401, 'INVALID_CREDENTIALS');
    const unknown = expectError(await api('POST', '/auth/login', { body: { email: uniqueEmail('ghost'), password: 'wrong password' } }), 401, 'INVALID_CREDENTIALS');
    expect({ ...unknown, requestId: '' }).toEqual({ ...wrong, requestId: '' });
  });

  it('429 TOO_MANY_REQUESTS with Retry-After after 5 failures in 15 minutes', async () => {
    const { email, password } = await registerUser('lockout');
    for (let i = 0; i < 5; i += 1) await api('POST', '/auth/login', { body: { email, password: 'wrong password' } });
    const locked = await api('POST', '/auth/login', { body: { email, password } });
    expectError(locked, 429, 'TOO_MANY_REQUESTS');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('POST /auth/refresh and /auth/logout', () => {
  it('rotates; an old refresh token is dead and its reuse revokes the family', async () => {
    const user = await registerUser('refresh');
    const rotated = await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(rotated.status).toBe(200);
    expectError(await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }), 401, 'UNAUTHORIZED');
    expectError(await api('POST', '/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } }), 401, 'UNAUTHORIZED');
  });

  it('400 without a refresh token, 401 for garbage', async () => {
    expectError(await api('POST', '/auth/refresh', { body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', '/auth/refresh', { body: { refreshToken: 'abc.def.ghi' } }), 401, 'UNAUTHORIZED');
  });

  it('logout: 204, then the access token and the refresh token stop working', async () => {
    const user = await registerUser('logout');
    const out = await api('POST', '/auth/logout', { token: user.accessToken });
    expect(out.status).toBe(204);
    expectError(await api('GET', '/me', { token: user.accessToken }), 401, 'UNAUTHORIZED');
    expectError(await api('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }), 401, 'UNAUTHORIZED');
    expectError(await api('POST', '/auth/logout'), 401, 'UNAUTHORIZED');
  });
});

describe('password reset', () => {
  it('202 for known and unknown emails; the emailed token resets once and ends old sessions', async () => {
    const user = await registerUser('reset');
    expect((await api('POST', '/auth/password/forgot', { body: { email: uniqueEmail('nobody') } })).status).toBe(202);
    expect((await api('POST', '/auth/password/forgot', { body: { email: user.email } })).status).toBe(202);
    expectError(await api('POST', '/auth/password/forgot', { body: { email: 'not-an-email' } }), 400, 'VALIDATION_ERROR');
    if (!mailStore) return;
    const mails = (await waitForEmails(mailStore, user.email, 2)).filter((m) => m.subject === 'Reset your password');
    expect(mails).toHaveLength(1);
    const token = new URL(/(http\S+reset-password\?token=\S+)/.exec(mails[0]!.body.text!)![1]!).searchParams.get('token')!;
    expect((await api('POST', '/auth/password/reset', { body: { token, password: 'a new password' } })).status).toBe(204);
    expectError(await api('POST', '/auth/password/reset', { body: { token, password: 'a new password' } }), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/me', { token: user.accessToken }), 401, 'UNAUTHORIZED');
    expect((await api('POST', '/auth/login', { body: { email: user.email, password: 'a new password' } })).status).toBe(200);
  });

  it('400 for a short new password or a bogus token', async () => {
    expectError(await api('POST', '/auth/password/reset', { body: { token: 'x', password: 'short' } }), 400, 'VALIDATION_ERROR');
    expectError(await api('POST', '/auth/password/reset', { body: { token: 'bogus', password: 'long enough' } }), 400, 'BAD_REQUEST');
  });
});

describe('/me', () => {
  it('GET returns the profile and never a password hash; PATCH changes name and password', async () => {
    const user = await registerUser('me');
    const me = await api('GET', '/me', { token: user.accessToken });
    expect(Object.keys(me.body).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role']);
    expect(me.text).not.toMatch(/password/i);
    const renamed = await api('PATCH', '/me', { token: user.accessToken, body: { name: 'Renamed' } });
    expect(renamed.body.name).toBe('Renamed');
    expectError(await api('PATCH', '/me', { token: user.accessToken, body: { currentPassword: 'wrong one', newPassword: 'a new password' } }), 401, 'INVALID_CREDENTIALS');
    expectError(await api('PATCH', '/me', { token: user.accessToken, body: { role: 'admin' } }), 400, 'VALIDATION_ERROR');
    expect((await api('PATCH', '/me', { token: user.accessToken, body: { currentPassword: user.password, newPassword: 'a new password' } })).status).toBe(200);
  });

  it('401 without a token, with a tampered token, or with alg none', async () => {
    const user = await registerUser('tamper');
    expectError(await api('GET', '/me'), 401, 'UNAUTHORIZED');
    const [header, payload] = user.accessToken.split('.');
    expectError(await api('GET', '/me', { token: `${header}.${payload}.AAAA` }), 401, 'UNAUTHORIZED');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    expectError(await api('GET', '/me', { token: `${none}.${payload}.` }), 401, 'UNAUTHORIZED');
  });
});
