import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../shared/errors.js';
import { decodeCursor, encodeCursor } from '../../shared/pagination.js';

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
