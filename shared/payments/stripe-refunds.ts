/**
 * Stripe's Refunds API behind the StripeRefunder of refund-repository.ts (imported by the refund
 * function only: it brings the SDK). Idempotency key `refund-<refund id>`: a repeated call returns
 * the first refund. A definite refusal (invalid request: already refunded, disputed, more than the
 * charge; a refund Stripe reports failed or canceled) is StripeRefundRefused; anything else (network,
 * 5xx, rate limit) leaves the outcome unknown and is rethrown.
 */
import { Stripe, stripeClient } from './stripe-client.js';
import { stripeConfig } from './stripe-config.js';
import { StripeRefundRefused, type StripeRefunder } from './refund-repository.js';

const refundThroughStripe: StripeRefunder = async ({ orderId, refundId, paymentIntentId, amount }) => {
  try {
    const refund = await stripeClient().refunds.create(
      { payment_intent: paymentIntentId, amount, metadata: { orderId, refundId } },
      { idempotencyKey: `refund-${refundId}` },
    );
    if (refund.status === 'failed' || refund.status === 'canceled') throw new StripeRefundRefused(refund.failure_reason ?? `refund ${refund.status}`);
    return { stripeRefundId: refund.id };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError) throw new StripeRefundRefused(error.message);
    throw error;
  }
};

/** Undefined without STRIPE_SECRET_KEY: card refunds then answer 503 PAYMENTS_NOT_CONFIGURED. */
export const stripeRefunder = (): StripeRefunder | undefined => (stripeConfig.secretKey ? refundThroughStripe : undefined);
