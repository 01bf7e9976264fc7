import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../shared/errors.js';
import { decodeCursor, encodeCursor, nextReadSize } from '../../shared/pagination.js';

describe('cursor', () => {
  const key = { pk: 'USER#1', sk: 'PROFILE', gsi1pk: 'USERS', gsi1sk: '2026#1' };

  it('round-trips within its scope', () => {
    expect(decodeCursor(encodeCursor(key, 'users:-createdAt:'), 'users:-createdAt:')).toEqual(key);
    expect(decodeCursor(undefined, 'x')).toBeUndefined();
  });

  it('rejects a modified cursor with a 400', () => {
    const cursor = encodeCursor(key, 's');
    const [payload, signature] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify({ k: { ...key, pk: 'USER#2' }, s: 's' })).toString('base64url');
    for (const bad of [`${forged}.${signature}`, `${payload}.${signature!.slice(1)}`, `${payload}`, 'garbage', `${cursor}.x`]) {
      expect(() => decodeCursor(bad, 's')).toThrow(BadRequestError);
    }
  });

  it('rejects a cursor replayed against another query', () => {
    expect(() => decodeCursor(encodeCursor(key, 'users:name:'), 'users:email:')).toThrow(BadRequestError);
  });
});

describe('nextReadSize', () => {
  it('reads exactly what an unfiltered page needs', () => {
    expect(nextReadSize(21, 0, 0, false)).toBe(21);
  });
  it('leaves headroom on the first filtered read and follows the observed match rate after', () => {
    expect(nextReadSize(21, 0, 0, true)).toBe(33);
    expect(nextReadSize(11, 10, 100, true)).toBe(138); // 10 % match rate
    expect(nextReadSize(21, 0, 33, true)).toBe(1000); // nothing matched yet: big step, capped
    expect(nextReadSize(1, 30, 33, true)).toBe(2);
  });
});
