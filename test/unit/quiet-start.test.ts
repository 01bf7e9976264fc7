/**
 * Issue 12.14: a 503 PAYMENTS_NOT_CONFIGURED is a designed answer, logged at INFO without a
 * stack, while a real 5xx still logs at ERROR. (The SQLite warning and DynamoDB Local's address:
 * test/integration/emulators-loopback.test.ts.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PaymentsNotConfiguredError, PaymentProviderError } from '../../shared/errors.js';
import { errorResponse } from '../../shared/http/error-mapper.js';
import { logger } from '../../shared/logger.js';

afterEach(() => vi.restoreAllMocks());

describe('designed 5xx answers', () => {
  it('PAYMENTS_NOT_CONFIGURED: 503 in the envelope, logged at INFO without a stack, not at ERROR', () => {
    const error = vi.spyOn(logger, 'error');
    const info = vi.spyOn(logger, 'info');
    const response = errorResponse(new PaymentsNotConfiguredError(), 'req-1');
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body!)).toMatchObject({ error: { code: 'PAYMENTS_NOT_CONFIGURED', requestId: 'req-1' } });
    expect(error).not.toHaveBeenCalled();
    expect(info).toHaveBeenCalledWith('request answered with a designed error', { status: 503, code: 'PAYMENTS_NOT_CONFIGURED', message: 'Payments are not configured on this server' });
  });

  it('a real 5xx (the payment provider failing) still logs at ERROR', () => {
    const error = vi.spyOn(logger, 'error');
    expect(errorResponse(new PaymentProviderError(), 'req-2').statusCode).toBe(502);
    expect(error).toHaveBeenCalledWith('request failed', expect.objectContaining({ error: expect.any(PaymentProviderError) }));
  });
});
