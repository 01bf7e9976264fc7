import * as z from 'zod';
import { appBaseUrl } from '../app-config.js';
import { secretFromEnv } from '../clients/secrets-manager.js';
import { readEnv } from '../config.js';

/** Unset and empty mean the same: a stack deployed without Stripe passes empty values. */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * Stripe settings, all optional: without STRIPE_SECRET_KEY checkout answers 503
 * PAYMENTS_NOT_CONFIGURED, without STRIPE_WEBHOOK_SECRET so does the webhook; everything
 * else starts normally. On AWS the two secrets are not in the environment: the function gets
 * STRIPE_SECRET_KEY_ARN or STRIPE_WEBHOOK_SECRET_ARN (Secrets Manager ARN or name) and reads
 * the value here, once, at init; a plain STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET wins. STRIPE_API_HOST/PORT/PROTOCOL point the client at another server
 * (tests use a local fake; never needed in production). Imported only by the checkout and
 * webhook functions.
 */
const env = readEnv(
  z.object({
    STRIPE_SECRET_KEY: optional(z.string().trim().min(1)),
    STRIPE_WEBHOOK_SECRET: optional(z.string().trim().min(1)),
    STRIPE_SECRET_KEY_ARN: optional(z.string().trim().min(1)),
    STRIPE_WEBHOOK_SECRET_ARN: optional(z.string().trim().min(1)),
    CHECKOUT_SUCCESS_URL: optional(z.url()),
    CHECKOUT_CANCEL_URL: optional(z.url()),
    STRIPE_API_HOST: optional(z.string().trim().min(1)),
    STRIPE_API_PORT: optional(z.coerce.number().int().min(1).max(65535)),
    STRIPE_API_PROTOCOL: optional(z.enum(['http', 'https'])),
  }),
);

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
