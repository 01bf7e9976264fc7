/**
 * The Stripe SDK lives behind this module: only the checkout, refund and webhook functions import it
 * (it adds a few hundred KiB to a bundle; see README, Benchmarks).
 */
import Stripe from 'stripe';
import { BadRequestError, PaymentsNotConfiguredError } from '../errors.js';
import { countMetric } from '../metrics.js';
import { stripeConfig } from './stripe-config.js';

let client: Stripe | undefined;

/** The API client; 503 PAYMENTS_NOT_CONFIGURED without STRIPE_SECRET_KEY. */
export function stripeClient(): Stripe {
  if (!stripeConfig.secretKey) throw new PaymentsNotConfiguredError();
  client ??= new Stripe(stripeConfig.secretKey, { ...stripeConfig.api, maxNetworkRetries: 2, timeout: 8_000 });
  return client;
}

/**
 * Verifies a webhook with Stripe's own `constructEvent` on the raw bytes, with the default
 * tolerance (300 s). Missing, forged or stale signatures are a 400.
 */
export function verifyStripeEvent(rawBody: Buffer, signature: string | undefined): Stripe.Event {
  if (!stripeConfig.webhookSecret) throw new PaymentsNotConfiguredError('Stripe webhooks are not configured on this server');
  if (!signature) {
    countMetric('WebhooksRejected');
    throw new BadRequestError('The Stripe-Signature header is missing');
  }
  try {
    return Stripe.webhooks.constructEvent(rawBody, signature, stripeConfig.webhookSecret);
  } catch (error) {
    countMetric('WebhooksRejected');
    throw new BadRequestError(error instanceof Stripe.errors.StripeSignatureVerificationError ? 'The Stripe-Signature header is invalid or too old' : 'The webhook body is not a Stripe event');
  }
}

export { Stripe };
