import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { appBaseUrl } from '../app-config.js';
import { sendEmail } from '../emails/send-email.js';
import { orderConfirmationEmail, orderReceivedEmail, orderStatusEmail, passwordResetEmail, refundEmail, shipmentUpdateEmail, welcomeEmail } from '../emails/templates.js';
import {
  fulfilmentReminderAdminEmail,
  fulfilmentReminderCustomerEmail,
  lowStockAlertEmail,
  lowStockSummaryEmail,
  paymentFailedEmail,
  paymentReminderEmail,
  refundFailedAdminEmail,
} from '../emails/templates.js';
import { issueResetLink } from '../auth/reset-links.js';
import { MIN_RETRY_MS } from '../payments/payment-retry.js';
import { reminderStillUseful } from '../schedules/reminder-timing.js';
import { readConfig } from '../config.js';
import { findOrder } from '../orders/find-order.js';
import { findRefund } from '../payments/find-refund.js';
import { findUserById } from '../users/find-user.js';
import { logger } from '../logger.js';
import { parseEvent, type DomainEvent, type EventType } from './order-events.js';
import { claimEvent, completeEvent, releaseEvent } from './processed-events.js';

/** Longer than the consumer's timeout, so a live claim is never taken over mid-send. */
const LEASE_MS = 5 * 60 * 1000;

type Reactions = { [T in EventType]: (event: DomainEvent<T>) => Promise<void> };

// ---- Schedules: reminders and alerts (events published by shared/schedules) ---------------

const { ADMIN_EMAIL: adminEmail } = readConfig(['ADMIN_EMAIL']);

/**
 * A reminder is checked against the order as it is now: one paid (or cancelled, rolled back)
 * after the schedule claimed it gets no payment reminder, a shipped one no fulfilment reminder.
 */
const scheduleReactions: Pick<Reactions, 'order.payment_reminder' | 'order.fulfilment_reminder' | 'product.low_stock' | 'product.low_stock_summary'> = {
  'order.payment_reminder': async ({ data }) => {
    const { order, user } = await orderAndCustomer(data.orderId, data.userId);
    if (!order || !user) return;
    if (order.status !== 'pending') {
      logger.info('payment reminder skipped: order no longer pending', { orderId: order.id, status: order.status });
      return;
    }
    // Never a deadline already (nearly) past: a reminder delayed in the queue is dropped.
    if (!reminderStillUseful(data.payBefore, Date.now())) {
      logger.info('payment reminder skipped: too little of the payment window left', { orderId: order.id, payBefore: data.payBefore });
      return;
    }
    await sendEmail(user.email, paymentReminderEmail({ name: user.name, order, orderUrl: orderUrl(order.id), payBefore: data.payBefore }));
  },
  'order.fulfilment_reminder': async ({ data }) => {
    const [order, user] = await Promise.all([findOrder(data.orderId), findUserById(data.userId)]);
    if (!order || (data.recipient === 'customer' && !user)) {
      logger.warn('fulfilment reminder skipped: order or customer gone', { orderId: data.orderId, recipient: data.recipient });
      return;
    }
    if (order.status !== 'paid' && order.status !== 'processing') {
      logger.info('fulfilment reminder skipped: order moved on', { orderId: order.id, status: order.status });
      return;
    }
    if (data.recipient === 'customer') {
      await sendEmail(user!.email, fulfilmentReminderCustomerEmail({ name: user!.name, order, orderUrl: orderUrl(order.id) }));
    } else {
      const customer = user ? { name: user.name, email: user.email } : undefined;
      await sendEmail(adminEmail, fulfilmentReminderAdminEmail({ order, customer, waitingSince: data.waitingSince, orderUrl: orderUrl(order.id) }));
    }
  },
  'product.low_stock_summary': async ({ data }) => {
    await sendEmail(adminEmail, lowStockSummaryEmail({ products: data.products, productUrl }));
  },
  'product.low_stock': async ({ data }) => {
    await sendEmail(adminEmail, lowStockAlertEmail({ ...data, productUrl: productUrl(data.productId) }));
  },
};

const reactions: Reactions = {
  'user.registered': async ({ data }) => {
    await sendEmail(data.email, welcomeEmail({ name: data.name, shopUrl: appBaseUrl }));
  },
  'user.password_reset_requested': async ({ data }) => {
    const link = await issueResetLink(data.email);
    if (!link) return; // no account, or a disabled one: nobody to email, and the route said nothing either
    await sendEmail(link.user.email, passwordResetEmail({ name: link.user.name, resetUrl: link.resetUrl, expiresAt: link.expiresAt }));
  },
  'order.placed': async ({ data }) => {
    const { order, user } = await orderAndCustomer(data.orderId, data.userId);
    if (!order || !user) return;
    await sendEmail(user.email, orderReceivedEmail({ name: user.name, order, orderUrl: orderUrl(order.id) }));
  },
  'order.status_changed': async ({ data }) => {
    const { order, user } = await orderAndCustomer(data.orderId, data.userId);
    if (!order || !user) return;
    await sendEmail(user.email, orderStatusEmail({ name: user.name, order: { ...order, status: data.to }, orderUrl: orderUrl(order.id), from: data.from, to: data.to, note: data.note }));
  },
  'shipment.status_changed': async ({ data }) => {
    const user = await findUserById(data.userId);
    if (!user) {
      logger.warn('shipment email skipped: customer gone', { orderId: data.orderId, userId: data.userId });
      return;
    }
    await sendEmail(user.email, shipmentUpdateEmail({ name: user.name, ...data, orderUrl: orderUrl(data.orderId) }));
  },
  'payment.failed': async ({ data }) => {
    const { order, user } = await orderAndCustomer(data.orderId, data.userId);
    if (!order || !user) return;
    if (order.amountPaid > 0 || !['pending', 'failed'].includes(order.status)) {
      logger.info('payment failed email skipped: the order was paid or moved on', { orderId: order.id, status: order.status });
      return;
    }
    // The link to pay again only while the order can still be paid and the deadline is ahead.
    const retryUntil = data.retryUntil && order.status === 'pending' && Date.parse(data.retryUntil) - Date.now() >= MIN_RETRY_MS ? data.retryUntil : undefined;
    await sendEmail(user.email, paymentFailedEmail({ name: user.name, order, orderUrl: orderUrl(order.id), reason: data.reason, retryUntil }));
  },
  'order.refunded': async ({ data }) => {
    const [{ order, user }, refund] = await Promise.all([orderAndCustomer(data.orderId, data.userId), findRefund(data.orderId, data.refundId)]);
    if (!order || !user) return;
    // Stripe failed the refund before this email went out: "we refunded you" would be untrue
    // (the admins were emailed about the failure; the customer is not, see stripe-events.ts).
    if (refund?.status === 'failed') {
      logger.info('refund email skipped: Stripe failed the refund first', { orderId: order.id, refundId: data.refundId });
      return;
    }
    await sendEmail(user.email, refundEmail({ name: user.name, order, orderUrl: orderUrl(order.id), amount: data.amount, currency: data.currency, reason: data.reason }));
  },
  // To the admins only (the customer is not told: see shared/payments/stripe-events.ts refundFailed).
  'refund.failed': async ({ data }) => {
    const order = await findOrder(data.orderId);
    if (!order) {
      logger.warn('refund failed email skipped: order gone', { orderId: data.orderId });
      return;
    }
    await sendEmail(adminEmail, refundFailedAdminEmail({ ...data, order, orderUrl: orderUrl(order.id) }));
  },
  'payment.completed': async ({ data }) => {
    const { order, user } = await orderAndCustomer(data.orderId, data.userId);
    if (!order || !user) return;
    await sendEmail(user.email, orderConfirmationEmail({ name: user.name, order, orderUrl: orderUrl(order.id), amountPaid: data.amountPaid }));
  },
  ...scheduleReactions,
};

const orderUrl = (orderId: string) => `${appBaseUrl.replace(/\/$/, '')}/orders/${orderId}`;
const productUrl = (productId: string) => `${appBaseUrl.replace(/\/$/, '')}/products/${productId}`;

/** A deleted customer or order means there is nobody to email: the event is done. */
async function orderAndCustomer(orderId: string, userId: string) {
  const [order, user] = await Promise.all([findOrder(orderId), findUserById(userId)]);
  if (!order || !user) logger.warn('order email skipped: order or customer gone', { orderId, userId });
  return { order, user };
}

export type RecordOutcome = 'processed' | 'duplicate' | 'ignored';

class EventInProgressError extends Error {
  override readonly name = 'EventInProgressError';
}

export async function processRecord(record: SQSRecord): Promise<RecordOutcome> {
  const event = parseEvent(record.body);
  if (event.type === 'unknown') {
    logger.warn('ignoring event of unknown type', { eventId: event.id, type: event.rawType });
    return 'ignored';
  }
  const claim = await claimEvent(event.id, LEASE_MS);
  if (claim === 'done') return 'duplicate';
  // Another consumer holds it right now: fail this copy; the redelivery will find it done.
  if (claim === 'busy') throw new EventInProgressError(`event ${event.id} is being processed elsewhere`);
  try {
    await (reactions[event.type] as (e: DomainEvent) => Promise<void>)(event);
  } catch (error) {
    await releaseEvent(event.id);
    throw error;
  }
  await completeEvent(event.id);
  return 'processed';
}

/** Processes a batch; only the records that failed are reported, so only they come back. */
export async function processBatch(batch: SQSEvent): Promise<SQSBatchResponse> {
  const outcomes = await Promise.allSettled(batch.Records.map((record) => processRecord(record)));
  const counts = { processed: 0, duplicate: 0, ignored: 0, failed: 0 };
  const batchItemFailures = outcomes.flatMap((outcome, index) => {
    const record = batch.Records[index]!;
    if (outcome.status === 'fulfilled') {
      counts[outcome.value] += 1;
      return [];
    }
    counts.failed += 1;
    logger.error('event processing failed', {
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
      error: outcome.reason as Error,
    });
    return [{ itemIdentifier: record.messageId }];
  });
  logger.info('batch processed', { received: batch.Records.length, ...counts });
  return { batchItemFailures };
}
