import * as z from 'zod';
import { PAYMENT_METHODS } from '../payments/payment.js';
import { REFUND_STATUSES } from '../payments/refunds.js';
import { cursorSchema, limitSchema, listOf } from './common.js';
import { singleLineText } from './text.js';

/** An admin-recorded (offline or partial) payment, in the order's currency. */
export const recordPaymentBodySchema = z
  .object({
    amount: z.number().int().min(1).max(1_000_000_000),
    method: z.enum(PAYMENT_METHODS),
    reference: singleLineText().min(1).max(200).optional(),
  })
  .strict();
export type RecordPaymentInput = z.output<typeof recordPaymentBodySchema>;

export const listPaymentsQuerySchema = z
  .object({ limit: limitSchema, cursor: cursorSchema, orderId: z.string().min(1).max(64).optional() })
  .strict();
export type ListPaymentsQuery = z.output<typeof listPaymentsQuerySchema>;

export const paymentSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    method: z.enum(PAYMENT_METHODS),
    provider: z.enum(['stripe', 'manual']),
    reference: z.string().nullable(),
    status: z.enum(['succeeded', 'needs_review', 'refund_required']),
    flags: z.array(z.enum(['overpayment', 'amount_mismatch', 'refund_required'])),
    refunded: z.number().int().describe('money back on this payment (refunds issued here and in Stripe, counted once)'),
    createdAt: z.string(),
  })
  .meta({ id: 'Payment' });

/** POST /orders/{id}/refunds: in minor units of the payment's currency; `paymentId` picks the payment. */
export const refundBodySchema = z
  .object({
    amount: z.number().int().min(1).max(1_000_000_000),
    reason: singleLineText().min(1).max(500),
    paymentId: z.string().min(1).max(64).optional().describe('the payment to refund; default: the newest payment that can take the whole amount'),
  })
  .strict();
export type RefundInput = z.output<typeof refundBodySchema>;

export const refundSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    paymentId: z.string().nullable(),
    amount: z.number().int(),
    currency: z.string(),
    reason: z.string().nullable(),
    status: z.enum(REFUND_STATUSES),
    failure: z.string().nullable().describe("why the refund failed (Stripe's refusal or failure reason, e.g. expired_or_canceled_card); null unless status is failed"),
    provider: z.enum(['stripe', 'manual']),
    createdAt: z.string(),
  })
  .meta({ id: 'Refund', description: 'A refund: issued here (POST /orders/{id}/refunds), or made in the Stripe dashboard (id stripe:<charge id>, reason null)' });
export const paymentListSchema = listOf(paymentSchema).meta({ id: 'PaymentList' });

export const checkoutSchema = z.object({ checkoutUrl: z.string(), sessionId: z.string() }).meta({ id: 'Checkout' });
export const webhookAckSchema = z.object({ received: z.boolean() });
