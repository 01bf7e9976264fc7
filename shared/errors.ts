/**
 * Typed errors of the whole API. Domain code throws these; the HTTP pipeline's one error
 * mapper turns them into the envelope of API.md. Anything else becomes a 500 INTERNAL
 * whose message leaks nothing.
 */
export type ErrorDetails = Record<string, unknown>;

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details: ErrorDetails;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;
  /**
   * A designed answer, not a fault (503 PAYMENTS_NOT_CONFIGURED on a server without Stripe):
   * logged at INFO without a stack, even when its status is 5xx.
   */
  readonly expected: boolean = false;

  constructor(message: string, details: ErrorDetails = {}, headers: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
    this.headers = headers;
  }
}

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'VALIDATION_ERROR';
  constructor(issues: readonly FieldIssue[], message = 'The request is invalid') {
    super(message, { fields: issues });
  }
}

export class BadRequestError extends AppError {
  readonly status = 400;
  readonly code = 'BAD_REQUEST';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'UNAUTHORIZED';
  constructor(message = 'Authentication required') {
    super(message);
  }
}

export class InvalidCredentialsError extends AppError {
  readonly status = 401;
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('Wrong email or password');
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'FORBIDDEN';
  constructor(message = 'You may not do this') {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
  constructor(what = 'Resource') {
    super(`${what} not found`);
  }
}

export class EmailTakenError extends AppError {
  readonly status = 409;
  readonly code = 'EMAIL_TAKEN';
  constructor() {
    super('An account with this email already exists');
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'CONFLICT';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes`, { limitBytes });
  }
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly code = 'TOO_MANY_REQUESTS';
  constructor(message: string, retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(message, { retryAfterSeconds: seconds }, { 'retry-after': String(seconds) });
  }
}

/** No payment provider keys configured (the local stack runs without Stripe). */
export class PaymentsNotConfiguredError extends AppError {
  readonly status = 503;
  readonly code = 'PAYMENTS_NOT_CONFIGURED';
  override readonly expected = true;
  constructor(message = 'Payments are not configured on this server') {
    super(message);
  }
}

/** Stripe refused or could not be reached; the request may be retried (it is idempotent). */
export class PaymentProviderError extends AppError {
  readonly status = 502;
  readonly code = 'PAYMENT_PROVIDER_ERROR';
  constructor(details: ErrorDetails = {}) {
    super('The payment provider could not create the checkout; try again', details);
  }
}
