/** POST /orders/{id}/checkout: a Stripe Checkout Session for what is still due. */
import type { AuthContext } from '../auth/authenticate.js';
import { ConflictError, PaymentProviderError, PaymentsNotConfiguredError } from '../errors.js';
import { logger } from '../logger.js';
import { getOrderFor } from '../orders/order-queries.js';
import { Stripe, stripeClient } from './stripe-client.js';
import { stripeConfig } from './stripe-config.js';

/**
 * The order id and the amount asked for travel in the session's and the payment intent's
 * metadata (the webhook checks the payment against them). Stripe's idempotency key is derived
 * from (order, amount due): a retried request gets the same session, a new amount a new one.
 */
export async function createCheckoutFor(auth: AuthContext, orderId: string): Promise<{ checkoutUrl: string; sessionId: string }> {
  const order = await getOrderFor(auth, orderId);
  if (order.status !== 'pending') throw new ConflictError(`Only a pending order can be paid; this one is ${order.status}`, { status: order.status });
  if (order.amountDue <= 0) throw new ConflictError('Nothing is due on this order', { amountDue: order.amountDue });
  if (!stripeConfig.secretKey) throw new PaymentsNotConfiguredError();
  const metadata = { orderId: order.id, amountDue: String(order.amountDue) };
  const url = (template: string) => template.replaceAll('{ORDER_ID}', encodeURIComponent(order.id));
  try {
    const session = await stripeClient().checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: order.id,
        metadata,
        payment_intent_data: { metadata },
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: order.currency,
              unit_amount: order.amountDue,
              product_data: { name: `Order ${order.id}` },
            },
          },
        ],
        success_url: url(stripeConfig.successUrl),
        cancel_url: url(stripeConfig.cancelUrl),
      },
      { idempotencyKey: `checkout-${order.id}-${order.amountDue}` },
    );
    if (!session.url) throw new PaymentProviderError({ reason: 'no checkout url' });
    return { checkoutUrl: session.url, sessionId: session.id };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      logger.error('stripe checkout failed', { orderId: order.id, type: error.type, code: error.code, statusCode: error.statusCode });
      throw new PaymentProviderError({ type: error.type });
    }
    throw error;
  }
}
