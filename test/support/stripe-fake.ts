/**
 * Stripe in tests: a fake API server on 127.0.0.1 (the real SDK talks to it through its
 * host/port/protocol options, set from STRIPE_API_*), and webhook events signed with Stripe's
 * own `generateTestHeaderString`. Nothing goes to the internet.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijklmnopqrstuv';

export interface FakeStripeRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  form: URLSearchParams;
}

export interface FakeRefund {
  id: string;
  paymentIntentId: string;
  amount: number;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface FakeStripe {
  readonly port: number;
  readonly requests: FakeStripeRequest[];
  /** Refunds created (one per Idempotency-Key, as Stripe does). */
  readonly refunds: FakeRefund[];
  /** Answer the next requests with this status and Stripe error body. */
  failWith(status: number | undefined): void;
  /** A charge of this amount for the payment intent: refunds beyond it are refused (400) as Stripe does. */
  charge(paymentIntentId: string, amount: number): void;
  /**
   * Refunds take this long to answer; meanwhile another request with the same Idempotency-Key
   * gets Stripe's 409 idempotency_error ("a request with this key is being processed").
   */
  delayRefunds(ms: number): void;
  close(): Promise<void>;
}

/**
 * Answers POST /v1/checkout/sessions like Stripe (one session per Idempotency-Key) and POST
 * /v1/refunds (one refund per Idempotency-Key; more than the charge's unrefunded amount → 400
 * invalid_request_error, as Stripe answers).
 */
export async function startFakeStripe(): Promise<FakeStripe> {
  const requests: FakeStripeRequest[] = [];
  const sessions = new Map<string, string>();
  const refunds: FakeRefund[] = [];
  const charges = new Map<string, number>();
  let failure: number | undefined;
  let refundDelayMs = 0;
  const inFlight = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, form });
      response.setHeader('content-type', 'application/json');
      if (failure) {
        response.writeHead(failure);
        response.end(JSON.stringify({ error: { type: 'api_error', message: 'fake failure' } }));
        return;
      }
      if (request.method === 'POST' && request.url === '/v1/refunds') {
        const key = String(request.headers['idempotency-key'] ?? Math.random());
        const paymentIntentId = form.get('payment_intent') ?? '';
        const amount = Number(form.get('amount'));
        const answer = (refund: FakeRefund) => {
          response.writeHead(200);
          response.end(JSON.stringify({ id: refund.id, object: 'refund', amount: refund.amount, charge: `ch_${paymentIntentId}`, payment_intent: paymentIntentId, currency: 'usd', status: 'succeeded', metadata: refund.metadata }));
        };
        const earlier = refunds.find((refund) => refund.idempotencyKey === key);
        if (earlier) return answer(earlier);
        if (inFlight.has(key)) {
          response.writeHead(409);
          response.end(JSON.stringify({ error: { type: 'idempotency_error', message: 'There is currently another in-progress request using this Idempotent Key' } }));
          return;
        }
        const refunded = refunds.filter((refund) => refund.paymentIntentId === paymentIntentId).reduce((sum, refund) => sum + refund.amount, 0);
        const charged = charges.get(paymentIntentId);
        if (charged === undefined || refunded + amount > charged) {
          response.writeHead(400);
          response.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'amount_too_large', message: `Refund amount is greater than unrefunded amount on charge (${(charged ?? 0) - refunded})` } }));
          return;
        }
        const metadata = Object.fromEntries([...form].filter(([name]) => name.startsWith('metadata[')).map(([name, value]) => [name.slice(9, -1), value]));
        const refund = { id: `re_test_${refunds.length + 1}_${Math.random().toString(36).slice(2, 8)}`, paymentIntentId, amount, idempotencyKey: key, metadata };
        if (refundDelayMs === 0) {
          refunds.push(refund);
          return answer(refund);
        }
        inFlight.add(key);
        setTimeout(() => {
          inFlight.delete(key);
          refunds.push(refund);
          answer(refund);
        }, refundDelayMs);
        return;
      }
      if (request.method !== 'POST' || request.url !== '/v1/checkout/sessions') {
        response.writeHead(404);
        response.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'unknown path' } }));
        return;
      }
      const key = String(request.headers['idempotency-key'] ?? Math.random());
      const id = sessions.get(key) ?? `cs_test_${sessions.size + 1}_${Math.random().toString(36).slice(2, 8)}`;
      sessions.set(key, id);
      response.writeHead(200);
      response.end(
        JSON.stringify({
          id,
          object: 'checkout.session',
          url: `https://checkout.stripe.test/c/pay/${id}`,
          amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
          currency: form.get('line_items[0][price_data][currency]'),
          metadata: { orderId: form.get('metadata[orderId]'), amountDue: form.get('metadata[amountDue]') },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    refunds,
    failWith: (status) => (failure = status),
    charge: (paymentIntentId, amount) => charges.set(paymentIntentId, amount),
    delayRefunds: (ms) => (refundDelayMs = ms),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The environment that points the app's Stripe client at the fake and sets the webhook secret. */
export const stripeTestEnv = (port: number) => ({
  STRIPE_SECRET_KEY: 'sk_test_fake',
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_API_HOST: '127.0.0.1',
  STRIPE_API_PORT: String(port),
  STRIPE_API_PROTOCOL: 'http',
});

let eventCounter = 0;
export const newEventId = () => `evt_test_${Date.now()}_${++eventCounter}_${Math.random().toString(36).slice(2, 8)}`;

/** A Stripe event as its webhook sends it (only the fields the app reads, plus the envelope); `created` in Unix seconds, default now. */
export function stripeEvent(type: string, object: Record<string, unknown>, id = newEventId(), created = Math.floor(Date.now() / 1000)) {
  return { id, object: 'event', api_version: '2026-01-28', created, livemode: false, pending_webhooks: 1, type, data: { object } };
}

export const paymentIntent = (input: { id: string; orderId?: string; amount: number; currency?: string; amountDue?: number }) => ({
  id: input.id,
  object: 'payment_intent',
  amount: input.amount,
  amount_received: input.amount,
  currency: input.currency ?? 'usd',
  status: 'succeeded',
  metadata: { ...(input.orderId ? { orderId: input.orderId } : {}), ...(input.amountDue !== undefined ? { amountDue: String(input.amountDue) } : {}) },
});

export const checkoutSession = (input: { orderId: string; paymentIntentId: string; amount: number; currency?: string; amountDue?: number; paid?: boolean }) => ({
  id: `cs_test_${input.paymentIntentId}`,
  object: 'checkout.session',
  client_reference_id: input.orderId,
  payment_intent: input.paymentIntentId,
  payment_status: input.paid === false ? 'unpaid' : 'paid',
  amount_total: input.amount,
  currency: input.currency ?? 'usd',
  metadata: { orderId: input.orderId, amountDue: String(input.amountDue ?? input.amount) },
});

export const refundedCharge = (input: { chargeId: string; paymentIntentId: string; orderId?: string; refunded: number; currency?: string }) => ({
  id: input.chargeId,
  object: 'charge',
  payment_intent: input.paymentIntentId,
  amount: input.refunded,
  amount_refunded: input.refunded,
  refunded: true,
  currency: input.currency ?? 'usd',
  metadata: input.orderId ? { orderId: input.orderId } : {},
});

/**
 * A Stripe Refund as refund.failed / refund.updated / charge.refund.updated carry it. Status
 * `failed` by default, with Stripe's failure_reason; `created` in Unix seconds.
 */
export const stripeRefund = (input: {
  id: string;
  paymentIntentId: string;
  amount: number;
  created: number;
  chargeId?: string;
  metadata?: Record<string, string>;
  status?: 'failed' | 'canceled' | 'succeeded' | 'pending';
  failureReason?: string;
  currency?: string;
}) => ({
  id: input.id,
  object: 'refund',
  amount: input.amount,
  charge: input.chargeId ?? `ch_${input.paymentIntentId}`,
  payment_intent: input.paymentIntentId,
  created: input.created,
  currency: input.currency ?? 'usd',
  status: input.status ?? 'failed',
  failure_reason: (input.status ?? 'failed') === 'failed' ? (input.failureReason ?? 'expired_or_canceled_card') : null,
  metadata: input.metadata ?? {},
});

/** The `Stripe-Signature` header Stripe would send for this payload. */
export const sign = (payload: string, options: { timestamp?: number; secret?: string } = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}) });
