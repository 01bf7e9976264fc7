import { paymentRoutes } from '../../infra/routes/payments.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { listPaymentsFor } from '../../shared/payments/payment-queries.js';
import { toPublicPayment } from '../../shared/payments/payment.js';

export const handler = httpHandler(paymentRoutes.listPayments, async ({ auth, query }) => {
  const page = await listPaymentsFor(auth, query);
  return ok({ items: page.items.map(toPublicPayment), nextCursor: page.nextCursor });
});
