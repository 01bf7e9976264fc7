import { paymentRoutes } from '../../infra/routes/payments.js';
import { BadRequestError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { headerValue } from '../../shared/http/parse.js';
import { created } from '../../shared/http/responses.js';
import { recordManualPayment } from '../../shared/payments/payments.js';
import { toPublicPayment } from '../../shared/payments/payment.js';

export const handler = httpHandler(paymentRoutes.recordPayment, async ({ auth, path, body, event }) => {
  const key = headerValue(event, 'idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new BadRequestError('Idempotency-Key must be 1 to 255 printable ASCII characters', { header: 'idempotency-key' });
  }
  const { payment, replayed } = await recordManualPayment(auth, path.id, body, key);
  return created(toPublicPayment(payment), replayed ? { headers: { 'idempotent-replayed': 'true' } } : {});
});
