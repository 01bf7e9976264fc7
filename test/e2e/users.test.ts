import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, expectError, registerUser } from './client.js';

let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});

describe('users (admin)', () => {
  it('GET /users: 401 anonymous, 403 customer, 200 admin with cursor pagination', async () => {
    const customer = await registerUser('customer');
    expectError(await api('GET', '/users'), 401, 'UNAUTHORIZED');
    expectError(await api('GET', '/users', { token: customer.accessToken }), 403, 'FORBIDDEN');
    const first = await api('GET', '/users?limit=1&sort=createdAt', { token: admin });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api('GET', `/users?limit=1&sort=createdAt&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: admin });
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expectError(await api('GET', `/users?limit=1&sort=createdAt&cursor=${encodeURIComponent(`${first.body.nextCursor}x`)}`, { token: admin }), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/users?limit=1000', { token: admin }), 400, 'VALIDATION_ERROR');
  });

  it('GET /users?email= finds one user exactly; search finds by name', async () => {
    const user = await registerUser('findme');
    const exact = await api('GET', `/users?email=${encodeURIComponent(user.email.toUpperCase())}`, { token: admin });
    expect(exact.body.items.map((u: { id: string }) => u.id)).toEqual([user.user.id]);
    const search = await api('GET', `/users?search=${encodeURIComponent(user.email.split('@')[0]!)}`, { token: admin });
    expect(search.body.items.map((u: { id: string }) => u.id)).toEqual([user.user.id]);
  });

  it('GET/PATCH/DELETE /users/{id}; disabling stops the user at once', async () => {
    const user = await registerUser('managed');
    const got = await api('GET', `/users/${user.user.id}`, { token: admin });
    expect(got.body).toMatchObject({ id: user.user.id, role: 'customer', disabled: false });
    expect(got.text).not.toMatch(/passwordHash/);
    expectError(await api('GET', '/users/does-not-exist', { token: admin }), 404, 'NOT_FOUND');

    const disabled = await api('PATCH', `/users/${user.user.id}`, { token: admin, body: { disabled: true, name: 'Blocked' } });
    expect(disabled.body).toMatchObject({ disabled: true, name: 'Blocked' });
    expectError(await api('GET', '/me', { token: user.accessToken }), 401, 'UNAUTHORIZED');
    expectError(await api('POST', '/auth/login', { body: { email: user.email, password: user.password } }), 401, 'INVALID_CREDENTIALS');
    expectError(await api('PATCH', `/users/${user.user.id}`, { token: admin, body: { role: 'owner' } }), 400, 'VALIDATION_ERROR');
    expectError(await api('PATCH', `/users/${user.user.id}`, { token: admin, body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await api('PATCH', '/users/does-not-exist', { token: admin, body: { name: 'x' } }), 404, 'NOT_FOUND');

    expect((await api('DELETE', `/users/${user.user.id}`, { token: admin })).status).toBe(204);
    expectError(await api('DELETE', `/users/${user.user.id}`, { token: admin }), 404, 'NOT_FOUND');
    expectError(await api('GET', `/users/${user.user.id}`, { token: admin }), 404, 'NOT_FOUND');
  });
});
