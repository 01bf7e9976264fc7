import { paymentRoutes } from '../../infra/routes/payments.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { headerValue } from '../../shared/http/parse.js';
import { ok } from '../../shared/http/responses.js';
import { handleStripeEvent } from '../../shared/payments/stripe-events.js';
import { verifyStripeEvent } from '../../shared/payments/stripe-client.js';

/** The raw bytes Stripe signed: API Gateway base64-encodes bodies it does not consider text. */
export const handler = httpHandler(paymentRoutes.stripeWebhook, async ({ event }) => {
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const stripeEvent = verifyStripeEvent(raw, headerValue(event, 'stripe-signature'));
  await handleStripeEvent(stripeEvent);
  return ok({ received: true });
});
