import { createHash } from 'node:crypto';
import { headerValue } from './parse.js';
import type { HttpEvent, HttpResult } from './types.js';

/**
 * A warm-container cache for public reads: bounded (least recently used entries go first)
 * and short-lived. Each Lambda container has its own, and writes happen in other functions,
 * so a write can stay invisible to public readers for at most `ttlMs`; admins bypass it.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  async getOrLoad(key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = await load();
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Strong ETag of a JSON body. */
export const etagOf = (body: unknown): string => `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;

/** 200 with an ETag, or 304 when the client already has this representation. */
export function conditionalJson(event: HttpEvent, body: unknown): HttpResult {
  const etag = etagOf(body);
  const headers = { etag, 'cache-control': 'no-cache' };
  const ifNoneMatch = headerValue(event, 'if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
    return { statusCode: 304, headers };
  }
  return { statusCode: 200, body, headers };
}
