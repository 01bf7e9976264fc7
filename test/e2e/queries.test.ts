/** Issue 11 item 7: ranges and paths that used to answer 500. */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, expectError, registerUser } from './client.js';

let admin: string;
let customer: string;
beforeAll(async () => {
  admin = await adminToken();
  customer = (await registerUser('queries')).accessToken;
});

describe('ranges', () => {
  it('an inverted range is 400 VALIDATION_ERROR on every list and report with a range (customer and admin)', async () => {
    const inverted = 'from=2025-01-01&to=2024-01-01';
    for (const [path, token] of [
      [`/orders?${inverted}`, customer],
      [`/orders?${inverted}`, admin],
      [`/orders?${inverted}&status=pending`, admin],
      [`/orders/export?${inverted}`, admin],
      [`/admin/analytics?${inverted}`, admin],
      ['/orders?from=2025-01-01T12:00:00Z&to=2025-01-01T11:00:00Z', customer],
    ] as const) {
      const error = expectError(await api('GET', path, { token }), 400, 'VALIDATION_ERROR');
      expect(error.details.fields).toEqual([{ field: 'query.to', message: expect.stringMatching(/before from/) }]);
    }
  });

  it('analytics with only one end given: a from after today, or more than 366 days ago, is 400 VALIDATION_ERROR naming from', async () => {
    const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    for (const path of [`/admin/analytics?from=${inAWeek}`, '/admin/analytics?from=2020-01-01']) {
      const error = expectError(await api('GET', path, { token: admin }), 400, 'VALIDATION_ERROR');
      expect(error.details.fields).toEqual([{ field: 'query.from', message: expect.any(String) }]);
    }
  });

  it('a one-day range is fine', async () => {
    expect((await api('GET', '/orders?from=2025-01-01&to=2025-01-01', { token: customer })).status).toBe(200);
    expect((await api('GET', '/orders/export?from=2025-01-01&to=2025-01-01', { token: admin })).status).toBe(200);
  });
});

describe('paths', () => {
  it('malformed percent-encoding in a path is 400 BAD_REQUEST in the error envelope', async () => {
    expectError(await api('GET', '/orders/%E0%A4%A', { token: customer }), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/products/%ZZ'), 400, 'BAD_REQUEST');
  });
});
