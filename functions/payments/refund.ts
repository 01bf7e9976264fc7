import { paymentRoutes } from '../../infra/routes/payments.js';
import { BadRequestError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { headerValue } from '../../shared/http/parse.js';
import { created } from '../../shared/http/responses.js';
import { refundOrderFor } from '../../shared/payments/payments.js';
import { toPublicRefund } from '../../shared/payments/payment.js';
import { stripeRefunder } from '../../shared/payments/stripe-refunds.js';

/** Money goes out: the Idempotency-Key is required, so a refund whose outcome is unknown can be repeated safely. */
export const handler = httpHandler(paymentRoutes.refundOrder, async ({ auth, path, body, event }) => {
  const key = headerValue(event, 'idempotency-key');
  if (key === undefined || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new BadRequestError('A refund needs an Idempotency-Key header of 1 to 255 printable ASCII characters', { header: 'idempotency-key' });
  }
  const { refund, replayed } = await refundOrderFor(auth, path.id, body, key, stripeRefunder());
  return created(toPublicRefund(refund), replayed ? { headers: { 'idempotent-replayed': 'true' } } : {});
});
