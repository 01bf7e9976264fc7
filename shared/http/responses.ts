import type { HttpResult } from './types.js';

export const ok = (body: unknown, extra: Omit<HttpResult, 'statusCode' | 'body'> = {}): HttpResult => ({ statusCode: 200, body, ...extra });
export const created = (body: unknown, extra: Omit<HttpResult, 'statusCode' | 'body'> = {}): HttpResult => ({ statusCode: 201, body, ...extra });
export const accepted = (): HttpResult => ({ statusCode: 202 });
export const noContent = (extra: Omit<HttpResult, 'statusCode' | 'body'> = {}): HttpResult => ({ statusCode: 204, ...extra });
