import { AppError } from '../errors.js';
import { logger } from '../logger.js';
import type { HttpResponse } from './types.js';

/**
 * The one error-to-HTTP mapping of the API. AppErrors carry their status and code; anything
 * else is a bug, logged with its stack and answered with a message that leaks nothing.
 */
export function errorResponse(error: unknown, requestId: string): HttpResponse {
  if (error instanceof AppError) {
    if (error.expected) logger.info('request answered with a designed error', { status: error.status, code: error.code, message: error.message });
    else if (error.status >= 500) logger.error('request failed', { error });
    return {
      statusCode: error.status,
      headers: { 'content-type': 'application/json', ...error.headers },
      body: JSON.stringify({
        error: { code: error.code, message: error.message, details: error.details, requestId },
      }),
    };
  }
  logger.error('unhandled error', { error: error instanceof Error ? error : String(error) });
  return {
    statusCode: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: { code: 'INTERNAL', message: 'Something went wrong on our side', details: {}, requestId },
    }),
  };
}
