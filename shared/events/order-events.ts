import * as z from 'zod';

/**
 * Messages on the `order-events` queue: `{type, id, occurredAt, data}`. `id` is ours, fixed
 * when the event is created, so a message sent or delivered twice is recognised as one.
 */
export const eventSchemas = {
  'user.registered': z.object({ userId: z.string(), email: z.string(), name: z.string() }),
  /** Queued for every email, known or not: the processor looks it up (reset-links.ts). */
  'user.password_reset_requested': z.object({ email: z.string() }),
  'order.placed': z.object({ orderId: z.string(), userId: z.string() }),
  'order.status_changed': z.object({
    orderId: z.string(),
    userId: z.string(),
    from: z.string(),
    to: z.string(),
    note: z.string().optional(),
  }),
  /** A shipment was added to an already shipped order (no `from`) or changed status without moving the order. */
  'shipment.status_changed': z.object({
    shipmentId: z.string(),
    orderId: z.string(),
    userId: z.string(),
    carrier: z.string(),
    trackingNumber: z.string(),
    from: z.string().optional(),
    to: z.string(),
  }),

  /**
   * A card payment failed (id `payment-failed:<Stripe event id>`). `retryUntil`: the order is
   * still pending and may be paid again until then; absent: the order failed for good.
   */
  'payment.failed': z.object({ orderId: z.string(), userId: z.string(), reason: z.string(), retryUntil: z.string().optional() }),

  /** The order's payments reached `completed` and moved it to `paid`; id `payment-completed:<orderId>`. */
  'payment.completed': z.object({ orderId: z.string(), userId: z.string(), paymentId: z.string(), amountPaid: z.number() }),
  /** A refund issued here succeeded (id `refund:<refund id>`: one email per refund). */
  'order.refunded': z.object({ orderId: z.string(), userId: z.string(), refundId: z.string(), amount: z.number(), currency: z.string(), reason: z.string() }),
  /**
   * Stripe failed or canceled a refund it had accepted (id `refund-failed:<Stripe refund id>`: one
   * email to the shop's admins per failed refund, however many webhooks report it). `refundId`:
   * the refund issued here (null: one made in the Stripe dashboard); `failure`: Stripe's reason.
   */
  'refund.failed': z.object({
    orderId: z.string(),
    userId: z.string(),
    refundId: z.string().nullable(),
    stripeRefundId: z.string(),
    amount: z.number(),
    currency: z.string(),
    failure: z.string(),
    reason: z.string().nullable(),
  }),

  // ---- Schedules (shared/schedules): reminders and alerts. Their ids are deterministic
  // (`payment-reminder:<orderId>`, `fulfilment-reminder:<orderId>:<recipient>`,
  // `low-stock:<productId>:<alertedAt>`), so a re-published event is one event. ----------
  'order.payment_reminder': z.object({
    orderId: z.string(),
    userId: z.string(),
    /** When the payment window closes and the order is rolled back (ISO). */
    payBefore: z.string(),
  }),
  /** One event per recipient, so each email is sent exactly once on its own. */
  'order.fulfilment_reminder': z.object({
    orderId: z.string(),
    userId: z.string(),
    recipient: z.enum(['customer', 'admin']),
    /** When the order was paid (ISO). */
    waitingSince: z.string(),
  }),
  /** One per low-stock run (id `low-stock:<alertedAt>:<first productId>`): every product that crossed its threshold. */
  'product.low_stock_summary': z.object({
    alertedAt: z.string(),
    products: z.array(z.object({ productId: z.string(), name: z.string(), stock: z.number(), threshold: z.number() })).min(1),
  }),
  /** One product (published before the summary existed; still handled for events in flight). */
  'product.low_stock': z.object({
    productId: z.string(),
    name: z.string(),
    stock: z.number(),
    threshold: z.number(),
    alertedAt: z.string(),
  }),
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;

export interface DomainEvent<T extends EventType = EventType> {
  readonly type: T;
  readonly id: string;
  readonly occurredAt: string;
  readonly data: EventData<T>;
}

export const envelopeSchema = z.object({
  type: z.string().min(1),
  id: z.string().min(1).max(128),
  occurredAt: z.string(),
  data: z.unknown(),
});

/** Parses a message body; throws on anything malformed (the message is poison). */
export function parseEvent(body: string): DomainEvent | { type: 'unknown'; id: string; rawType: string } {
  const envelope = envelopeSchema.parse(JSON.parse(body));
  if (!(envelope.type in eventSchemas)) return { type: 'unknown', id: envelope.id, rawType: envelope.type };
  const type = envelope.type as EventType;
  return { ...envelope, type, data: eventSchemas[type].parse(envelope.data) } as DomainEvent;
}
