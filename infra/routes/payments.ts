import { idParamSchema } from '../../shared/schemas/common.js';
import { checkoutSchema, listPaymentsQuerySchema, paymentListSchema, paymentSchema, recordPaymentBodySchema, refundBodySchema, refundSchema, webhookAckSchema } from '../../shared/schemas/payments.js';
import { idempotencyKeyHeaders, requiredIdempotencyKeyHeaders, stripeEventSchema, stripeSignatureHeaders } from '../../shared/schemas/http-headers.js';
import type { RouteDefinition } from '../route-types.js';

export const paymentRoutes = {
  createCheckout: {
    method: 'POST', path: '/orders/{id}/checkout', handler: 'functions/payments/checkout.ts', auth: 'user',
    access: { table: 'read', stripe: 'api' },
    summary: 'A Stripe Checkout Session for the amount still due (owner or admin)', tag: 'Payments',
    errors: [404, 409, 502, 503],
    // No Idempotency-Key: the Stripe session's own key is derived from (order, amount due), so a repeat gets the same session.
    schemas: { path: idParamSchema, response: { status: 201, schema: checkoutSchema } },
  },
  stripeWebhook: {
    // No body schema: the raw body is verified against Stripe-Signature before anything is parsed.
    method: 'POST', path: '/webhooks/stripe', handler: 'functions/payments/stripe-webhook.ts', auth: 'public',
    // The order, its ledger (payments, refunds: in the order's partition), the Stripe event and
    // payment intent markers, the customer's unpaid-order count (a completing payment frees a
    // slot). Stock never moves here (paid/failed give nothing back).
    access: { table: { mode: 'write', keys: ['ORDER#*', 'STRIPE_EVENT#*', 'STRIPE_PI#*', 'USER#*'] }, sendTo: ['orderEvents'], stripe: 'webhook' },
    summary: 'Stripe webhook (signed): payments, failures and refunds, each recorded once', tag: 'Payments',
    errors: [400, 503],
    schemas: { headers: stripeSignatureHeaders, rawBody: { schema: stripeEventSchema, contentType: 'application/json' }, response: { status: 200, schema: webhookAckSchema } },
  },
  recordPayment: {
    method: 'POST', path: '/orders/{id}/payments', handler: 'functions/payments/record.ts', auth: 'admin',
    // The order, its ledger and the new payment (the order's partition; a payment that completes
    // the order also moves it to paid: its index item, no stock). No Stripe items.
    access: { table: { mode: 'write', keys: ['ORDER#*'] }, sendTo: ['orderEvents'] },
    summary: 'Record an offline or partial payment (Idempotency-Key supported; overpayment flagged)', tag: 'Payments',
    errors: [404, 422, 503],
    schemas: { path: idParamSchema, body: recordPaymentBodySchema, headers: idempotencyKeyHeaders, response: { status: 201, schema: paymentSchema } },
  },
  refundOrder: {
    method: 'POST', path: '/orders/{id}/refunds', handler: 'functions/payments/refund.ts', auth: 'admin',
    // The order, its ledger (payments, refunds) and the refund: all in the order's partition.
    // Card payments are refunded through Stripe's Refunds API (idempotency key refund-<refund id>).
    access: { table: { mode: 'write', keys: ['ORDER#*'] }, sendTo: ['orderEvents'], stripe: 'refunds' },
    summary:
      'Refund a payment (Idempotency-Key required): card payments through Stripe, offline ones recorded; paymentStatus becomes partially_refunded or refunded; the order status does not change; the customer is emailed once',
    tag: 'Payments',
    errors: [404, 409, 422, 502, 503],
    schemas: { path: idParamSchema, body: refundBodySchema, headers: requiredIdempotencyKeyHeaders, response: { status: 201, schema: refundSchema } },
  },
  listPayments: {
    method: 'GET', path: '/payments', handler: 'functions/payments/list.ts', auth: 'user',
    // One order's payments (the order, its partition); a customer's on gsi1; everyone's on gsi2's shards.
    access: { table: { mode: 'read', keys: ['ORDER#*'], indexKeys: { gsi1: ['USER#*#PAYMENTS'], gsi2: ['PAYMENTS#*'] } } }, summary: 'Payments (customers: their own orders only)', tag: 'Payments', errors: [404],
    schemas: { query: listPaymentsQuerySchema, response: { status: 200, schema: paymentListSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
