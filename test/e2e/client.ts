import { inject } from 'vitest';
import type { E2eTarget } from '../support/e2e-global-setup.js';

export const target: E2eTarget = inject('e2e');

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function api(
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${target.apiUrl}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  // Issue 11 item 12: no answer of any route, in any e2e test, carries a stored item's keys.
  const leaked = storageKeys(body);
  if (leaked.length > 0) throw new Error(`${method} ${path} answered with storage keys: ${leaked.slice(0, 5).join(', ')}`);
  return { status: response.status, headers: response.headers, body, text };
}

/** Keys that would mean a stored item leaked into an answer (`pk`, `sk`, `gsi*`, `ttl`), as JSON paths. */
export function storageKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => storageKeys(item, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(/^(pk|sk|ttl|gsi\w*)$/.test(key) ? [`${path}.${key}`] : []),
    ...storageKeys(child, `${path}.${key}`),
  ]);
}

export const uniqueEmail = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;

export async function registerUser(label = 'user', password = 'correct horse') {
  const email = uniqueEmail(label);
  const response = await api('POST', '/auth/register', { body: { email, password, name: `E2E ${label}` } });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  return { email, password, ...(response.body as { user: { id: string }; accessToken: string; refreshToken: string }) };
}

export async function adminToken(): Promise<string> {
  const response = await api('POST', '/auth/login', { body: { email: target.adminEmail, password: target.adminPassword } });
  if (response.status !== 200) throw new Error(`admin login failed: ${response.status} ${response.text}`);
  return response.body.accessToken as string;
}

/** Asserts the error envelope of API.md and returns the error. */
export function expectError(response: ApiResponse, status: number, code: string) {
  if (response.status !== status || response.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${response.status} ${response.text}`);
  }
  const { error } = response.body;
  if (typeof error.message !== 'string' || typeof error.details !== 'object' || error.requestId !== response.headers.get('x-request-id')) {
    throw new Error(`malformed error envelope: ${response.text}`);
  }
  return error as { code: string; message: string; details: Record<string, unknown>; requestId: string };
}
