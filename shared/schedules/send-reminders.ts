/**
 * Reminders (every minute by default, SEND_REMINDERS_SCHEDULE), each at most once per order:
 *   payment     `pending` orders older than PAYMENT_REMINDER_MINUTES and with at least
 *               MIN_REMINDER_LEAD_MINUTES of their payment window left → the customer
 *   fulfilment  `paid`/`processing` orders older than FULFILMENT_REMINDER_HOURS → the
 *               customer ("we're preparing your order") and ADMIN_EMAIL
 * Orders come from gsi2 `STATUS#<status>` / `<createdAt>#<id>` (a Query per status). Each
 * reminder is claimed with one conditional UpdateItem on the order (`SET <kind>ReminderSentAt`
 * if not set and the status still qualifies); only the run that wins the claim publishes the
 * event, under a deterministic id (`payment-reminder:<orderId>`, ...), and the processor
 * sends the email once per event id. If publishing fails after the claim, the claim stays:
 * that reminder is lost (logged), never duplicated.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { publishEvent } from '../events/publish.js';
import { logger } from '../logger.js';
import { orderKey, statusPartitions } from '../orders/order-keys.js';
import { toOrderRecord, type OrderRecord } from '../orders/order.js';
import { isoBefore, JOB_CONCURRENCY, mapLimit, queryShardsBounded } from './batch.js';
import { paymentDeadline } from '../payments/payment-retry.js';
import { MIN_REMINDER_LEAD_MINUTES } from './reminder-timing.js';
import { fulfilmentReminderHours, paymentReminderMinutes, paymentWindowMinutes } from './schedule-config.js';

/** Orders handled per status and run. */
export const MAX_REMINDERS_PER_RUN = 500;

if (paymentWindowMinutes - paymentReminderMinutes < MIN_REMINDER_LEAD_MINUTES) {
  logger.warn('PAYMENT_REMINDER_MINUTES leaves less than the minimum lead of the payment window: no payment reminder is sent', {
    paymentReminderMinutes,
    paymentWindowMinutes,
    minLeadMinutes: MIN_REMINDER_LEAD_MINUTES,
  });
}

export const paymentReminderEventId = (orderId: string) => `payment-reminder:${orderId}`;
export const fulfilmentReminderEventId = (orderId: string, recipient: 'customer' | 'admin') => `fulfilment-reminder:${orderId}:${recipient}`;

export interface ReminderCounts {
  /** Orders old enough and not yet reminded, per the index. */
  examined: number;
  /** Claimed and published by this run. */
  sent: number;
  /** Already claimed (a concurrent run) or no longer in a qualifying status. */
  skipped: number;
  /** Claimed but the event could not be published: reminder lost (logged). */
  lost: number;
  /** Claim errors (logged); the next run tries again. */
  failed: number;
  more: boolean;
}

export interface RemindersResult {
  payment: ReminderCounts;
  fulfilment: ReminderCounts;
}

const emptyCounts = (): ReminderCounts => ({ examined: 0, sent: 0, skipped: 0, lost: 0, failed: 0, more: false });

/**
 * Qualifying orders of these statuses created before `createdBefore` (and, with
 * `createdAfter`, not before that), not yet reminded.
 */
async function candidates(
  statuses: readonly string[],
  createdBefore: string,
  sentAttribute: string,
  max: number,
  counts: ReminderCounts,
  createdAfter?: string,
): Promise<OrderRecord[]> {
  const found = await Promise.all(
    statuses.map((status) =>
      queryShardsBounded(
        statusPartitions(status),
        (partition) => ({
          TableName: tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: createdAfter ? 'gsi2pk = :partition AND gsi2sk BETWEEN :after AND :before' : 'gsi2pk = :partition AND gsi2sk < :before',
          FilterExpression: 'attribute_not_exists(#sent)',
          ExpressionAttributeNames: { '#sent': sentAttribute },
          ExpressionAttributeValues: { ':partition': partition, ':before': createdBefore, ...(createdAfter ? { ':after': createdAfter } : {}) },
        }),
        max,
      ),
    ),
  );
  counts.more = found.some((result) => result.more);
  const orders = found.flatMap((result) => result.items.map(toOrderRecord));
  counts.examined = orders.length;
  return orders;
}

/** The conditional claim: true if this run won it. */
async function claim(orderId: string, sentAttribute: string, statuses: readonly string[], now: string): Promise<boolean> {
  const statusValues = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]));
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: orderKey(orderId),
        UpdateExpression: 'SET #sent = :now',
        ConditionExpression: `attribute_not_exists(#sent) AND #status IN (${Object.keys(statusValues).join(', ')})`,
        ExpressionAttributeNames: { '#sent': sentAttribute, '#status': 'status' },
        ExpressionAttributeValues: { ':now': now, ...statusValues },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

async function remind(
  orders: readonly OrderRecord[],
  counts: ReminderCounts,
  kind: { sentAttribute: string; statuses: readonly string[]; now: string },
  publish: (order: OrderRecord) => Promise<unknown>,
): Promise<void> {
  await mapLimit(orders, JOB_CONCURRENCY, async (order) => {
    let claimed: boolean;
    try {
      claimed = await claim(order.id, kind.sentAttribute, kind.statuses, kind.now);
    } catch (error) {
      counts.failed += 1;
      logger.error('reminder claim failed', { orderId: order.id, kind: kind.sentAttribute, error: error as Error });
      return;
    }
    if (!claimed) {
      counts.skipped += 1;
      return;
    }
    try {
      await publish(order);
      counts.sent += 1;
    } catch (error) {
      // Known gap (README, "Schedules"): the claim is kept, so this reminder is lost, not repeated.
      counts.lost += 1;
      logger.error('reminder claimed but its event was not published: reminder lost', { orderId: order.id, kind: kind.sentAttribute, error: error as Error });
    }
  });
}

/** When the order became paid (its status history), else when it was placed. */
const paidAt = (order: OrderRecord) => order.statusHistory?.find((change) => change.status === 'paid')?.at ?? order.createdAt;

export async function sendReminders(options: { now?: number; maxOrders?: number } = {}): Promise<RemindersResult> {
  const now = options.now ?? Date.now();
  const nowIso = new Date(now).toISOString();
  const max = options.maxOrders ?? MAX_REMINDERS_PER_RUN;
  const payment = emptyCounts();
  const fulfilment = emptyCounts();

  const paymentKind = { sentAttribute: 'paymentReminderSentAt', statuses: ['pending'], now: nowIso };
  const fulfilmentKind = { sentAttribute: 'fulfilmentReminderSentAt', statuses: ['paid', 'processing'], now: nowIso };
  const [unpaid, unfulfilled] = await Promise.all([
    // Only orders with MIN_REMINDER_LEAD_MINUTES of their window left: an older one is about to
    // be rolled back, and its reminder would name a deadline already (nearly) past.
    candidates(
      paymentKind.statuses,
      isoBefore(now, paymentReminderMinutes * 60_000),
      paymentKind.sentAttribute,
      max,
      payment,
      isoBefore(now, (paymentWindowMinutes - MIN_REMINDER_LEAD_MINUTES) * 60_000),
    ),
    candidates(fulfilmentKind.statuses, isoBefore(now, fulfilmentReminderHours * 3_600_000), fulfilmentKind.sentAttribute, max, fulfilment),
  ]);

  await Promise.all([
    remind(unpaid, payment, paymentKind, (order) =>
      publishEvent(
        'order.payment_reminder',
        { orderId: order.id, userId: order.userId, payBefore: paymentDeadline(order.createdAt) },
        { id: paymentReminderEventId(order.id) },
      ),
    ),
    remind(unfulfilled, fulfilment, fulfilmentKind, (order) =>
      Promise.all(
        (['customer', 'admin'] as const).map((recipient) =>
          publishEvent(
            'order.fulfilment_reminder',
            { orderId: order.id, userId: order.userId, recipient, waitingSince: paidAt(order) },
            { id: fulfilmentReminderEventId(order.id, recipient) },
          ),
        ),
      ),
    ),
  ]);
  return { payment, fulfilment };
}
