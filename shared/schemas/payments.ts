import * as z from 'zod';
import { PAYMENT_METHODS } from '../payments/payment.js';
import { cursorSchema, limitSchema, listOf } from './common.js';

/** An admin-recorded (offline or partial) payment, in the order's currency. */
export const recordPaymentBodySchema = z
  .object({
    amount: z.number().int().min(1).max(1_000_000_000),
    method: z.enum(PAYMENT_METHODS),
    reference: z.string().trim().min(1).max(200).optional(),
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
    createdAt: z.string(),
  })
  .meta({ id: 'Payment' });
export const paymentListSchema = listOf(paymentSchema).meta({ id: 'PaymentList' });

export const checkoutSchema = z.object({ checkoutUrl: z.string(), sessionId: z.string() }).meta({ id: 'Checkout' });
export const webhookAckSchema = z.object({ received: z.boolean() });
