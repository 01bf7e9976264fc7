/**
 * What each verified Stripe event does. Every event id is recorded once (with its effect, in
 * the same transaction), every payment intent once; anything unknown or unattributable is
 * recorded and answered 200 so Stripe stops retrying. Type-only use of the SDK.
 */
import type Stripe from 'stripe';
import { publishAfterCommit, publishEvent } from '../events/publish.js';
import { logger } from '../logger.js';
import { findOrder } from '../orders/order-repository.js';
import { paymentFailedEventId, paymentRetryDeadline } from './payment-retry.js';
import { recordAndAnnounce } from './payments.js';
import { failOrderPayment, orderOfPaymentIntent, recordStripeEvent, type StripeEventRef } from './payment-repository.js';
import { recordChargeRefund, recordRefundFailure } from './refund-repository.js';

export type StripeEventOutcome = 'recorded' | 'duplicate' | 'ignored';

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : value?.id);
const expected = (metadata: Stripe.Metadata | null | undefined) => {
  const value = Number(metadata?.amountDue);
  return metadata?.amountDue !== undefined && Number.isSafeInteger(value) ? value : undefined;
};

/** The order a Stripe object belongs to: its metadata, else the order its payment intent was recorded for. */
async function orderOf(metadata: Stripe.Metadata | null | undefined, paymentIntentId: string | null): Promise<string | undefined> {
  return metadata?.orderId ?? (paymentIntentId ? await orderOfPaymentIntent(paymentIntentId) : undefined);
}

async function recordOnly(ref: StripeEventRef, reason: string, orderId?: string): Promise<StripeEventOutcome> {
  const fresh = await recordStripeEvent(ref, orderId);
  if (fresh && reason) logger.warn('stripe event not applied', { eventId: ref.eventId, type: ref.eventType, orderId, reason });
  return fresh ? 'ignored' : 'duplicate';
}

async function stripePayment(input: {
  ref: StripeEventRef;
  orderId: string | undefined;
  paymentIntentId: string | undefined;
  amount: number | null | undefined;
  currency: string | null | undefined;
  expectedAmount: number | undefined;
}): Promise<StripeEventOutcome> {
  const { ref, orderId, paymentIntentId } = input;
  if (!orderId || !paymentIntentId || typeof input.amount !== 'number' || !input.currency) {
    return recordOnly(ref, 'no order id, payment intent, amount or currency', orderId);
  }
  const outcome = await recordAndAnnounce({
    id: paymentIntentId,
    orderId,
    amount: input.amount,
    currency: input.currency.toLowerCase(),
    method: 'card',
    provider: 'stripe',
    reference: paymentIntentId,
    recordedBy: 'stripe',
    ...(input.expectedAmount !== undefined ? { expectedAmount: input.expectedAmount } : {}),
    stripe: { ...ref, paymentIntentId },
  });
  if (!outcome) return recordOnly(ref, 'unknown order', orderId);
  return outcome.kind;
}

/**
 * A failed payment. While the order's payment window is open the order stays `pending` and the
 * customer is emailed a link to pay again (the event is published before the Stripe event is
 * recorded, under an id derived from it, so a retried webhook sends one email). Once the
 * window is (nearly) closed the order moves to `failed` as before (the rollback returns its
 * stock) and the email says so, without a link.
 */
async function paymentFailed(ref: StripeEventRef, orderId: string, reason: string): Promise<StripeEventOutcome> {
  const order = await findOrder(orderId);
  if (!order) return recordOnly(ref, 'unknown order', orderId);
  const retryUntil = paymentRetryDeadline(order, Date.now());
  const eventId = paymentFailedEventId(ref.eventId);
  if (retryUntil) {
    await publishEvent('payment.failed', { orderId, userId: order.userId, reason, retryUntil }, { id: eventId });
    return (await recordStripeEvent(ref, orderId)) ? 'recorded' : 'duplicate';
  }
  const result = await failOrderPayment({ orderId, stripe: ref, reason: `Stripe payment failed: ${reason}` });
  if (result === 'failed') await publishAfterCommit('payment.failed', { orderId, userId: order.userId, reason }, { id: eventId });
  return result === 'failed' ? 'recorded' : result;
}

/**
 * Stripe failed or canceled a refund it had accepted (card closed, lost or stolen, …): the money
 * never left. recordRefundFailure moves the refund issued here to `failed` and takes it out of the
 * order's and the payment's figures and of Stripe's cumulative figure, once per Stripe refund
 * however many of its three events come and in whatever order with charge.refunded. A failed
 * dashboard refund is taken out of Stripe's figure the same way.
 *
 * The shop's admins are told (event `refund.failed`, id `refund-failed:<Stripe refund id>`, an
 * email to ADMIN_EMAIL): published by the event that records the failure and again on each
 * redelivery of that event (a crash or a queue error between the commit and the publish is
 * repaired by Stripe's retry); the processor's dedup by event id makes it one email. Stripe's other events for the
 * same failure find it recorded and publish nothing. The customer is not emailed: they got "we refunded you" (order.refunded)
 * and no money arrived, but what happens next is the shop's decision (refund again, another way,
 * or contact them); an automatic "your refund failed" with no next step would only alarm them,
 * and Stripe's failure reasons (lost or stolen card) are not ours to relay unasked.
 */
async function refundFailed(ref: StripeEventRef, refund: Stripe.Refund, eventCreated: number): Promise<StripeEventOutcome> {
  const paymentIntentId = idOf(refund.payment_intent) ?? null;
  const orderId = await orderOf(refund.metadata, paymentIntentId);
  if (!orderId) return recordOnly(ref, 'refund failure for an unknown order', undefined);
  const failure = (refund.status === 'canceled' ? 'canceled' : (refund.failure_reason ?? 'unknown')).slice(0, 300);
  const outcome = await recordRefundFailure({
    orderId,
    stripeRefundId: refund.id,
    refundId: refund.metadata?.refundId,
    chargeId: idOf(refund.charge) ?? null,
    paymentIntentId,
    amount: refund.amount,
    currency: refund.currency,
    created: refund.created,
    failedAt: eventCreated,
    failure,
    stripe: ref,
  });
  if (outcome.kind === 'no_order') return recordOnly(ref, 'unknown order', orderId);
  const { order, refund: issuedHere } = outcome;
  if (outcome.kind === 'repeat') return 'ignored'; // the event that applied it published the email
  if (outcome.kind === 'recorded') logger.warn('stripe refund failed', { orderId, stripeRefundId: refund.id, refundId: issuedHere?.id, amount: refund.amount, failure });
  // publishEvent, not publishAfterCommit: if the queue refuses it the webhook answers 500 and
  // Stripe's retry of this event (a duplicate now) publishes it again.
  await publishEvent(
    'refund.failed',
    {
      orderId,
      userId: order.userId,
      refundId: issuedHere?.id ?? null,
      stripeRefundId: refund.id,
      amount: refund.amount,
      currency: refund.currency,
      failure,
      reason: issuedHere?.reason ?? null,
    },
    { id: `refund-failed:${refund.id}` },
  );
  return outcome.kind === 'recorded' ? 'recorded' : 'duplicate';
}

export async function handleStripeEvent(event: Stripe.Event): Promise<StripeEventOutcome> {
  const ref: StripeEventRef = { eventId: event.id, eventType: event.type };
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      const orderId = session.metadata?.orderId ?? session.client_reference_id ?? undefined;
      // Delayed payment methods complete the session unpaid; their payment_intent.succeeded follows.
      if (session.payment_status !== 'paid') return recordOnly(ref, '', orderId);
      return stripePayment({
        ref,
        orderId,
        paymentIntentId: idOf(session.payment_intent),
        amount: session.amount_total,
        currency: session.currency,
        expectedAmount: expected(session.metadata),
      });
    }
    case 'payment_intent.succeeded': {
      const intent = event.data.object;
      return stripePayment({
        ref,
        orderId: intent.metadata?.orderId,
        paymentIntentId: intent.id,
        amount: intent.amount_received,
        currency: intent.currency,
        expectedAmount: expected(intent.metadata),
      });
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const orderId = intent.metadata?.orderId;
      if (!orderId) return recordOnly(ref, 'no order id', undefined);
      return paymentFailed(ref, orderId, (intent.last_payment_error?.message ?? 'the payment was declined').slice(0, 300));
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent) ?? null;
      const orderId = await orderOf(charge.metadata, paymentIntentId);
      if (!orderId) return recordOnly(ref, 'refund for an unknown order', undefined);
      // Refunds issued here are in the charge's figure too: recordChargeRefund counts them once.
      const result = await recordChargeRefund({
        orderId,
        chargeId: charge.id,
        paymentIntentId,
        amount: charge.amount_refunded,
        currency: charge.currency,
        reportedAt: event.created,
        stripe: ref,
      });
      return result === 'no_order' ? recordOnly(ref, 'unknown order', orderId) : result;
    }
    case 'refund.failed':
    case 'refund.updated':
    case 'charge.refund.updated': {
      const refund = event.data.object;
      // refund.updated also reports refunds that are fine (pending → succeeded, metadata): only a failure moves anything.
      if (refund.status !== 'failed' && refund.status !== 'canceled') return recordOnly(ref, '');
      return refundFailed(ref, refund, event.created);
    }
    default:
      return recordOnly(ref, '');
  }
}
