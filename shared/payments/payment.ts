/**
 * Payments and refunds: a ledger under each order, plus Stripe bookkeeping.
 *
 *   payment        pk ORDER#<orderId>  sk PAYMENT#<id>   gsi1 USER#<userId>#PAYMENTS / <createdAt>#<id>  (a customer's payments)
 *                                                        gsi2 PAYMENTS#<shard> / <createdAt>#<id>         (admin: all payments)
 *   refund         pk ORDER#<orderId>  sk REFUND#<id>            a refund issued here (POST /orders/{id}/refunds): pending → succeeded | failed
 *   charge refund  pk ORDER#<orderId>  sk REFUND#CHARGE#<charge id>   amount = the charge's cumulative amount_refunded (charge.refunded),
 *                                                        reportedAt = that event's `created`, failed = its refunds Stripe reported failed
 *   stripe event   pk STRIPE_EVENT#<event id>  sk EVENT       written once (attribute_not_exists), with its effect
 *   payment intent pk STRIPE_PI#<payment intent id>  sk PI    orderId; written once, with the payment
 *
 * The order item carries the derived figures (`amountPaid`, `amountDue`, `paymentStatus`,
 * `overpaidBy`, `amountRefunded`) and a `paymentVersion`: every ledger write is one
 * transaction conditioned on the version as read, so payments of one order serialize.
 * A Stripe payment's id is its payment intent id; an admin payment's id is a ulid, or derived
 * from (order, Idempotency-Key). A payment item also carries `refunded` (refunds.ts
 * refundPositions: the money back on it, refunds issued here and Stripe's figure counted once)
 * and `refundedAt`: the analytics counters read refunds from that one attribute, so a refund
 * reported twice (by the API and by Stripe's webhook) moves revenue once.
 */
import { createHash } from 'node:crypto';
import { allShards, shardedPartition } from '../write-shards.js';
import type { PaymentRecordStatus } from './payment-status.js';
import type { FailedStripeRefund, RefundStatus } from './refunds.js';

export const PAYMENT_METHODS = ['card', 'bank_transfer', 'cash', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export type PaymentProvider = 'stripe' | 'manual';
/** Why a payment needs a human: paid more than the total, amount/currency not as expected, order gone. */
export type PaymentFlag = 'overpayment' | 'amount_mismatch' | 'refund_required';

export const paymentKey = (orderId: string, paymentId: string) => ({ pk: `ORDER#${orderId}`, sk: `PAYMENT#${paymentId}` });
export const refundKey = (orderId: string, refundId: string) => ({ pk: `ORDER#${orderId}`, sk: `REFUND#${refundId}` });
export const chargeRefundKey = (orderId: string, chargeId: string) => ({ pk: `ORDER#${orderId}`, sk: `REFUND#CHARGE#${chargeId}` });
export const stripeEventKey = (eventId: string) => ({ pk: `STRIPE_EVENT#${eventId}`, sk: 'EVENT' });
export const paymentIntentKey = (paymentIntentId: string) => ({ pk: `STRIPE_PI#${paymentIntentId}`, sk: 'PI' });
export const userPaymentsPartition = (userId: string) => `USER#${userId}#PAYMENTS`;
/** Every payment writes the all-payments list: write-sharded by payment id. */
export const allPaymentsPartition = (id: string) => shardedPartition('PAYMENTS', id);
export const ALL_PAYMENTS_PARTITIONS = allShards('PAYMENTS');

export const idempotentPaymentId = (orderId: string, key: string) =>
  `K${createHash('sha256').update(`${orderId}\u0000${key}`).digest('base64url').replace(/[-_]/g, '').slice(0, 25)}`;
/** A refund's id from (order, Idempotency-Key): also Stripe's idempotency key (`refund-<id>`). */
export const idempotentRefundId = (orderId: string, key: string) =>
  `R${createHash('sha256').update(`refund\u0000${orderId}\u0000${key}`).digest('base64url').replace(/[-_]/g, '').slice(0, 25)}`;

export interface PaymentRecord {
  readonly id: string;
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
  readonly currency: string;
  readonly method: PaymentMethod;
  readonly provider: PaymentProvider;
  readonly reference: string | null;
  readonly status: PaymentRecordStatus;
  readonly flags: readonly PaymentFlag[];
  readonly createdAt: string;
  /** Who recorded it: an admin's user id, or `stripe`. */
  readonly recordedBy: string;
  /** Admin payments with an Idempotency-Key: hash of the request body. */
  readonly requestHash?: string;
  /** Money back on this payment (see the module comment); absent: none. */
  readonly refunded?: number;
  readonly refundedAt?: string;
}

/** A refund issued here. */
export interface RefundRecord {
  readonly id: string;
  readonly orderId: string;
  readonly userId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string;
  readonly status: RefundStatus;
  readonly provider: PaymentProvider;
  /** Stripe's refund id (`re_…`) once Stripe accepted it. */
  readonly stripeRefundId: string | null;
  /** Why Stripe refused it (status `failed`). */
  readonly failure?: string;
  readonly recordedBy: string;
  readonly requestHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A Stripe charge's cumulative refunded amount, as its charge.refunded webhook last reported it,
 * and its refunds Stripe reported failed or canceled (refunds.ts stripeChargeFigure).
 */
export interface ChargeRefundRecord {
  readonly orderId: string;
  readonly chargeId: string;
  readonly paymentIntentId: string | null;
  /** 0 while only failures are known. */
  readonly amount: number;
  /** Stripe's `created` (Unix seconds) of the charge.refunded event that reported `amount`. */
  readonly reportedAt?: number;
  readonly failed?: readonly FailedStripeRefund[];
  readonly currency: string;
  readonly updatedAt: string;
}

export const toPaymentRecord = (item: Record<string, unknown>): PaymentRecord => item as unknown as PaymentRecord;

export function toPublicPayment(payment: PaymentRecord) {
  return {
    id: payment.id,
    orderId: payment.orderId,
    amount: payment.amount,
    currency: payment.currency,
    method: payment.method,
    provider: payment.provider,
    reference: payment.reference,
    status: payment.status,
    flags: [...payment.flags],
    refunded: payment.refunded ?? 0,
    createdAt: payment.createdAt,
  };
}
export type PublicPayment = ReturnType<typeof toPublicPayment>;

export function toPublicRefund(refund: RefundRecord): PublicRefund {
  return {
    id: refund.id,
    orderId: refund.orderId,
    paymentId: refund.paymentId,
    amount: refund.amount,
    currency: refund.currency,
    reason: refund.reason,
    status: refund.status,
    failure: refund.status === 'failed' ? (refund.failure ?? 'refused') : null,
    provider: refund.provider,
    createdAt: refund.createdAt,
  };
}
export interface PublicRefund {
  readonly id: string;
  readonly orderId: string;
  readonly paymentId: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string | null;
  readonly status: RefundStatus;
  /** Why it failed (Stripe's refusal or failure_reason); null unless `failed`. */
  readonly failure: string | null;
  readonly provider: PaymentProvider;
  readonly createdAt: string;
}
