import { paymentRoutes } from '../../infra/routes/payments.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { created } from '../../shared/http/responses.js';
import { createCheckoutFor } from '../../shared/payments/checkout.js';

export const handler = httpHandler(paymentRoutes.createCheckout, async ({ auth, path }) => created(await createCheckoutFor(auth, path.id)));
