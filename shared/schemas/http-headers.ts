/**
 * Request headers and raw bodies the route table documents in /openapi.json (issue 12.11).
 * The handlers read and check these themselves (an Idempotency-Key's format, the Stripe
 * signature over the raw body); the pipeline does not parse them.
 */
import * as z from 'zod';

const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .meta({
    description:
      'Makes the request safe to retry: a replay with the same key and body returns the first response (`idempotent-replayed: true`); the same key with another body is 422 IDEMPOTENCY_KEY_REUSED. 1 to 255 printable ASCII characters.',
    example: '7f0c7d1e-2f6b-4a4e-9d7a-5b1e2c3d4f5a',
  });

/** Optional `Idempotency-Key` (POST /orders, checkout, admin payments). */
export const idempotencyKeyHeaders = z.object({ 'Idempotency-Key': idempotencyKey.optional() });

/** Required `Idempotency-Key` (refunds). */
export const requiredIdempotencyKeyHeaders = z.object({ 'Idempotency-Key': idempotencyKey });

/** The Stripe webhook's signature header: missing, forged or stale → 400. */
export const stripeSignatureHeaders = z.object({
  'Stripe-Signature': z.string().min(1).meta({
    description: "Stripe's signature of the raw body (`t=<unix time>,v1=<HMAC-SHA256>`), checked with the endpoint's signing secret and a 300 s tolerance.",
    example: 't=1714557600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
  }),
});

/** A Stripe event as Stripe posts it (only what this API reads is described). */
export const stripeEventSchema = z
  .object({
    id: z.string().meta({ example: 'evt_1PBv0Y2eZvKYlo2C' }),
    object: z.literal('event'),
    type: z.string().meta({
      description:
        'Handled: checkout.session.completed, payment_intent.succeeded, payment_intent.payment_failed, charge.refunded, and refund.failed, refund.updated, charge.refund.updated (a refund Stripe reports failed or canceled: it stops counting and the admins are emailed; other statuses are acknowledged); others are acknowledged and ignored.',
    }),
    created: z.number().int(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }),
  })
  .meta({ id: 'StripeEvent', description: 'The event exactly as Stripe sends it; verified against Stripe-Signature before it is parsed.' });

/** `text/csv` bodies (the orders export). */
export const ordersCsvSchema = z.string().meta({
  description:
    'CSV, header row first: Order ID, Created at (UTC), Status, Payment status, Customer email, Customer name, Customer ID, Currency, Total, Amount paid, Amount due (major units), Item count, Lines, Items, Ship to country. Values starting like a formula are prefixed with a quote.',
  example: 'Order ID,Created at (UTC),Status,...\r\n01J...,2026-05-01T10:00:00.000Z,paid,...',
});
