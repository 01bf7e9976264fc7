import { appBaseUrl } from '../app-config.js';
import { secretFromEnv } from '../clients/secrets-manager.js';
import { readConfig } from '../config.js';

/**
 * Stripe settings, all optional: without STRIPE_SECRET_KEY checkout answers 503
 * PAYMENTS_NOT_CONFIGURED, without STRIPE_WEBHOOK_SECRET so does the webhook; everything
 * else starts normally. On AWS the two secrets are not in the environment: the function gets
 * STRIPE_SECRET_KEY_ARN or STRIPE_WEBHOOK_SECRET_ARN (Secrets Manager ARN or name) and reads
 * the value here, once, at init; a plain STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET wins. STRIPE_API_HOST/PORT/PROTOCOL point the client at another server
 * (tests use a local fake; never needed in production). Imported only by the checkout and
 * webhook functions.
 */
const env = readConfig([
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_SECRET_KEY_ARN',
  'STRIPE_WEBHOOK_SECRET_ARN',
  'CHECKOUT_SUCCESS_URL',
  'CHECKOUT_CANCEL_URL',
  'STRIPE_API_HOST',
  'STRIPE_API_PORT',
  'STRIPE_API_PROTOCOL',
]);

const base = appBaseUrl.replace(/\/$/, '');

/** Read at init (top-level await): a missing or unreadable secret fails the cold start. */
const [secretKey, webhookSecret] = await Promise.all([
  secretFromEnv('STRIPE_SECRET_KEY', { STRIPE_SECRET_KEY: env.STRIPE_SECRET_KEY, STRIPE_SECRET_KEY_ARN: env.STRIPE_SECRET_KEY_ARN }),
  secretFromEnv('STRIPE_WEBHOOK_SECRET', { STRIPE_WEBHOOK_SECRET: env.STRIPE_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET_ARN: env.STRIPE_WEBHOOK_SECRET_ARN }),
]);

export const stripeConfig = {
  secretKey: secretKey || undefined,
  webhookSecret: webhookSecret || undefined,
  /** `{ORDER_ID}` is replaced by the order id; Stripe itself fills `{CHECKOUT_SESSION_ID}`. */
  successUrl: env.CHECKOUT_SUCCESS_URL ?? `${base}/orders/{ORDER_ID}?checkout=success`,
  cancelUrl: env.CHECKOUT_CANCEL_URL ?? `${base}/orders/{ORDER_ID}?checkout=cancelled`,
  api: {
    ...(env.STRIPE_API_HOST ? { host: env.STRIPE_API_HOST } : {}),
    ...(env.STRIPE_API_PORT ? { port: env.STRIPE_API_PORT } : {}),
    ...(env.STRIPE_API_PROTOCOL ? { protocol: env.STRIPE_API_PROTOCOL } : {}),
  },
};
