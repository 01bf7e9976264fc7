import { describe, expect, it } from 'vitest';
import { analyticsQuerySchema, exportOrdersQuerySchema, listOrdersQuerySchema } from '../../shared/schemas/orders.js';
import { checkpointInputSchema } from '../../shared/schemas/shipments.js';
import { isEmptyRange, rangeBounds } from '../../shared/schemas/time-range.js';
import { matchRoute, compileRoute } from '../../infra/local/gateway.js';
import { routeList } from '../../infra/routes.js';

describe('time ranges (issue 11 item 7)', () => {
  it('a date as `to` covers its whole day; a date-time is that instant', () => {
    expect(rangeBounds({ from: '2025-01-01', to: '2025-01-01' })).toEqual({
      from: Date.parse('2025-01-01T00:00:00Z'),
      to: Date.parse('2025-01-01T23:59:59.999Z'),
    });
    expect(rangeBounds({ from: '2025-01-01T10:00:00+02:00' })).toEqual({ from: Date.parse('2025-01-01T08:00:00Z') });
    expect(rangeBounds({})).toEqual({});
  });

  it('is empty exactly when `to` is before `from`', () => {
    expect(isEmptyRange({ from: '2025-01-01', to: '2024-01-01' })).toBe(true);
    expect(isEmptyRange({ from: '2025-01-01T12:00:00Z', to: '2025-01-01T11:59:59Z' })).toBe(true);
    expect(isEmptyRange({ from: '2025-01-02', to: '2025-01-01T23:59:59Z' })).toBe(true);
    expect(isEmptyRange({ from: '2025-01-01', to: '2025-01-01' })).toBe(false);
    expect(isEmptyRange({ from: '2025-01-01T12:00:00Z', to: '2025-01-01' })).toBe(false);
    expect(isEmptyRange({ from: '2025-01-01T12:00:00Z', to: '2025-01-01T12:00:00Z' })).toBe(false);
    // Offsets are compared as instants: 01:00+02:00 is 23:00 the day before.
    expect(isEmptyRange({ from: '2025-01-01T00:30:00Z', to: '2025-01-01T01:00:00+02:00' })).toBe(true);
    expect(isEmptyRange({ from: '2025-01-01' })).toBe(false);
    expect(isEmptyRange({ to: '2025-01-01' })).toBe(false);
  });

  it('every query with a range refuses an inverted one on `to`, and accepts a one-day range', () => {
    for (const schema of [listOrdersQuerySchema, exportOrdersQuerySchema, analyticsQuerySchema]) {
      const inverted = schema.safeParse({ from: '2025-01-01', to: '2024-01-01' });
      expect(inverted.success).toBe(false);
      expect(inverted.error!.issues.map((issue) => issue.path.join('.'))).toEqual(['to']);
      expect(schema.safeParse({ from: '2025-01-01', to: '2025-01-01' }).success).toBe(true);
    }
  });
});

describe('instants outside years 0000–9999 in UTC (found by the fuzz test: a 500 from the export)', () => {
  it('refuses an offset that pushes the UTC instant into year 10000 or before year 0000, on every range query and on checkpoints', () => {
    const tooLate = '9999-12-31T23:59:59-23:59';
    const tooEarly = '0000-01-01T00:00:00+00:01';
    for (const schema of [listOrdersQuerySchema, exportOrdersQuerySchema]) {
      for (const value of [tooLate, tooEarly]) {
        const result = schema.safeParse({ from: '2025-06-30T23:59:59.999+02:00', to: value });
        expect(result.success).toBe(false);
        expect(result.error!.issues.map((issue) => issue.path.join('.'))).toContain('to');
      }
      expect(schema.safeParse({ from: '0000-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999Z' }).success).toBe(true);
      expect(schema.safeParse({ to: '9999-12-31T23:59:59+00:00' }).success).toBe(true);
    }
    expect(checkpointInputSchema.safeParse({ location: 'Depot', description: 'Scanned', at: tooLate }).success).toBe(false);
    expect(checkpointInputSchema.parse({ location: 'Depot', description: 'Scanned', at: '2025-01-01T01:00:00+01:00' }).at).toBe('2025-01-01T00:00:00.000Z');
  });
});

describe('local gateway: malformed percent-encoding in a path (issue 11 item 7)', () => {
  it('matches the route but yields no path parameters, so the gateway answers 400 instead of crashing', () => {
    const compiled = routeList.map(compileRoute);
    const match = matchRoute(compiled, 'GET', '/orders/%E0%A4%A');
    expect(match?.route.id).toBe('getOrder');
    expect(match?.pathParameters).toBeUndefined();
    expect(matchRoute(compiled, 'GET', '/orders/%E0%A4%A4')?.pathParameters).toEqual({ id: '\u0924' });
  });
});
