/**
 * Payments as admins and Stripe make them: what happens after a payment is recorded (the
 * order confirmation event, warnings for payments that need a human). No Stripe SDK here.
 */
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { AuthContext } from '../auth/authenticate.js';
import { NotFoundError } from '../errors.js';
import { publishAfterCommit } from '../events/publish.js';
import { logger } from '../logger.js';
import { countMetric } from '../metrics.js';
import { IdempotencyKeyReusedError } from '../orders/order-repository.js';
import type { RecordPaymentInput, RefundInput } from '../schemas/payments.js';
import { findOrder } from '../orders/order-repository.js';
import { idempotentPaymentId, type PaymentRecord } from './payment.js';
import { recordPayment, type NewPayment, type PaymentOutcome } from './payment-repository.js';
import { issueRefund, type StripeRefunder } from './refund-repository.js';
import type { RefundRecord } from './payment.js';

/** Records the payment; on the one that completes the order, puts `payment.completed` on the queue. */
export async function recordAndAnnounce(input: NewPayment): Promise<PaymentOutcome | undefined> {
  const outcome = await recordPayment(input);
  if (outcome?.kind !== 'recorded') return outcome;
  countMetric('PaymentsRecorded');
  const { payment, order } = outcome;
  if (payment.flags.length > 0) {
    logger.warn('payment needs attention', {
      orderId: order.id,
      paymentId: payment.id,
      flags: payment.flags,
      amount: payment.amount,
      currency: payment.currency,
      orderCurrency: order.currency,
      expectedAmount: input.expectedAmount,
      orderStatus: order.status,
    });
  }
  if (outcome.completedNow) {
    // A deterministic id: the confirmation email goes out once even if this is published twice.
    await publishAfterCommit(
      'payment.completed',
      { orderId: order.id, userId: order.userId, paymentId: payment.id, amountPaid: order.amountPaid },
      { id: `payment-completed:${order.id}` },
    );
  }
  return outcome;
}

/**
 * An admin's offline or partial payment, in the order's currency. With an Idempotency-Key the
 * payment id is derived from (order, key): a replay with the same body returns the first
 * payment, another body is a 422.
 */
export async function recordManualPayment(
  auth: AuthContext,
  orderId: string,
  input: RecordPaymentInput,
  idempotencyKey: string | undefined,
): Promise<{ payment: PaymentRecord; replayed: boolean }> {
  const order = await findOrder(orderId);
  if (!order) throw new NotFoundError('Order');
  const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('base64url');
  const outcome = await recordAndAnnounce({
    id: idempotencyKey ? idempotentPaymentId(order.id, idempotencyKey) : ulid(),
    orderId: order.id,
    amount: input.amount,
    currency: order.currency,
    method: input.method,
    provider: 'manual',
    reference: input.reference ?? null,
    recordedBy: auth.userId,
    requestHash,
  });
  if (!outcome) throw new NotFoundError('Order');
  if (outcome.kind === 'recorded') return { payment: outcome.payment, replayed: false };
  if (!outcome.payment || outcome.payment.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
  return { payment: outcome.payment, replayed: true };
}

/**
 * POST /orders/{id}/refunds: refunds a payment of the order (refund-repository.ts), then puts
 * `order.refunded` on the queue with a deterministic id, so the customer gets one email per
 * refund however often the request is repeated.
 */
export async function refundOrderFor(
  auth: AuthContext,
  orderId: string,
  input: RefundInput,
  idempotencyKey: string,
  stripe: StripeRefunder | undefined,
): Promise<{ refund: RefundRecord; replayed: boolean }> {
  const outcome = await issueRefund({ orderId, amount: input.amount, reason: input.reason, paymentId: input.paymentId, idempotencyKey, recordedBy: auth.userId }, stripe);
  if (outcome.succeededNow) {
    const { refund } = outcome;
    await publishAfterCommit(
      'order.refunded',
      { orderId: refund.orderId, userId: refund.userId, refundId: refund.id, amount: refund.amount, currency: refund.currency, reason: refund.reason },
      { id: `refund:${refund.id}` },
    );
  }
  return { refund: outcome.refund, replayed: outcome.replayed };
}
