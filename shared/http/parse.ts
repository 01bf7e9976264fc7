import type { ZodType } from 'zod';
import { BadRequestError, PayloadTooLargeError, ValidationError, type FieldIssue } from '../errors.js';
import type { HttpEvent } from './types.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** Decodes API Gateway's (possibly base64) body, enforces the size limit and parses JSON. */
export function parseJsonBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const contentType = headerValue(event, 'content-type');
  if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new BadRequestError('Content-Type must be application/json');
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestError('The request body is not valid JSON');
  }
}

export function headerValue(event: HttpEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/** Validates one part of the request; every failing field is listed in `details.fields`. */
export function validatePart<S extends ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'path') {
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const fields: FieldIssue[] = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: `${part}.${[...issue.path, key].join('.')}`, message: 'is not allowed' }));
    }
    const path = issue.path.map(String).join('.');
    return [{ field: path ? `${part}.${path}` : part, message: issue.message }];
  });
  throw new ValidationError(fields, `Invalid ${part}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
}
