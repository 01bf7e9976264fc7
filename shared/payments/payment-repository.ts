/**
 * The payment ledger (see payment.ts for keys). Every write of a payment or refund is one
 * transaction: the ledger item (conditional on not existing, keyed by Stripe's ids or the
 * admin's Idempotency-Key), the Stripe event and payment intent markers when they apply, and
 * the order's derived figures conditioned on the `paymentVersion` read. A lost race reads the
 * order and its ledger again and decides again, so concurrent payments of one order serialize
 * and the one that reaches `completed` is the one that moves a pending order to `paid`.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { decodeCursor, encodeCursor, queryShards, type Page } from '../pagination.js';

import { orderKey } from '../orders/order-keys.js';
import { changeOrderStatus, findOrder, InvalidTransitionError, statusChangeItemCount } from '../orders/order-repository.js';
import type { OrderRecord } from '../orders/order.js';
import { ServiceBusyError, TransactionCancelled, transactWrite, writeRetryingConflicts, type TransactItems } from '../transactions.js';
import { PAYABLE_ORDER_STATUSES, paymentRecordStatus, type PaymentSummary } from './payment-status.js';
import {
  ALL_PAYMENTS_PARTITIONS,
  allPaymentsPartition,
  paymentIntentKey,
  paymentKey,
  stripeEventKey,
  toPaymentRecord,
  userPaymentsPartition,
  type ChargeRefundRecord,
  type PaymentFlag,
  type PaymentRecord,
  type RefundRecord,
} from './payment.js';
import { refundPositions, summarizeLedger } from './refunds.js';

export const MAX_ATTEMPTS = 50;
/** Stripe retries an event for 3 days; its marker is kept 30. */
const EVENT_RETENTION_SECONDS = 30 * 24 * 3600;

export interface OrderLedger {
  readonly payments: PaymentRecord[];
  /** Refunds issued here. */
  readonly refunds: RefundRecord[];
  /** Stripe charges' cumulative refunds (charge.refunded). */
  readonly chargeRefunds: ChargeRefundRecord[];
}

/** The ledger's sort keys: payments, refunds and charges' refunds sort between these. */
const LEDGER_FROM = 'PAYMENT#';
const LEDGER_TO = 'REFUND#~';

/** Every payment and refund of one order (strongly consistent; one partition). */
export async function orderLedger(orderId: string): Promise<OrderLedger> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': orderKey(orderId).pk, ':from': LEDGER_FROM, ':to': LEDGER_TO },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ledgerOf(items);
}

/**
 * The ledger among items of an order's partition (any of them: the order, its index item and
 * shipments are skipped), in sort-key order; GET /orders/{id} reads the whole partition at once.
 */
export function ledgerOf(items: readonly Record<string, unknown>[]): OrderLedger {
  const payments: PaymentRecord[] = [];
  const refunds: RefundRecord[] = [];
  const chargeRefunds: ChargeRefundRecord[] = [];
  for (const item of items) {
    const sk = String(item.sk);
    if (sk < LEDGER_FROM || sk > LEDGER_TO) continue;
    if (item.type === 'payment') payments.push(toPaymentRecord(item));
    else if (item.type === 'refund') refunds.push(item as unknown as RefundRecord);
    else if (item.type === 'chargeRefund') chargeRefunds.push(item as unknown as ChargeRefundRecord);
  }
  return { payments, refunds, chargeRefunds };
}

export const summarize = (order: OrderRecord, ledger: OrderLedger): PaymentSummary => summarizeLedger(order.total, ledger);

/**
 * Sets a payment's counted `refunded` (refunds.ts): written in the ledger transaction that changes
 * it, so the analytics stream sees each refund once, on the payment item.
 */
export function paymentRefundedItem(orderId: string, change: { paymentId: string; refunded: number }, at: string): TransactItems[number] {
  return {
    Update: {
      TableName: tableName,
      Key: paymentKey(orderId, change.paymentId),
      UpdateExpression: 'SET refunded = :refunded, refundedAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':refunded': change.refunded, ':at': at },
    },
  };
}

/** The order's derived figures, conditioned on the ledger version read. */
function ledgerFields(order: OrderRecord, summary: PaymentSummary, withTimestamp: boolean) {
  const version = order.paymentVersion ?? 0;
  return {
    set:
      'amountPaid = :pPaid, amountDue = :pDue, paymentStatus = :pStatus, amountRefunded = :pRefunded, overpaidBy = :pOver, paymentVersion = :pNext' +
      (withTimestamp ? ', updatedAt = :pNow' : ''),
    condition: 'attribute_exists(pk) AND (attribute_not_exists(paymentVersion) OR paymentVersion = :pVersion)',
    values: {
      ':pPaid': summary.amountPaid,
      ':pDue': summary.amountDue,
      ':pStatus': summary.status,
      ':pRefunded': summary.amountRefunded,
      ':pOver': summary.overpaidBy,
      ':pNext': version + 1,
      ':pVersion': version,
      ...(withTimestamp ? { ':pNow': new Date().toISOString() } : {}),
    },
  };
}

/**
 * The order's figures without a status change, conditioned on the ledger version and on the
 * status read (what the payment was classified by: a concurrent cancel makes it decide again).
 */
export function ledgerUpdateItem(order: OrderRecord, summary: PaymentSummary): TransactItems[number] {
  const fields = ledgerFields(order, summary, true);
  return {
    Update: {
      TableName: tableName,
      Key: orderKey(order.id),
      UpdateExpression: `SET ${fields.set}`,
      ConditionExpression: `${fields.condition} AND #status = :pStatusRead`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...fields.values, ':pStatusRead': order.status },
    },
  };
}

export interface StripeEventRef {
  readonly eventId: string;
  readonly eventType: string;
}

export function stripeEventItem(event: StripeEventRef, orderId: string | undefined): TransactItems[number] {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...stripeEventKey(event.eventId),
        type: 'stripeEvent',
        eventType: event.eventType,
        ...(orderId ? { orderId } : {}),
        receivedAt: new Date().toISOString(),
        ttl: Math.floor(Date.now() / 1000) + EVENT_RETENTION_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Records a Stripe event that changes nothing else; false when it was seen before. */
export async function recordStripeEvent(event: StripeEventRef, orderId?: string): Promise<boolean> {
  try {
    await writeRetryingConflicts(() => db.send(new PutCommand(stripeEventItem(event, orderId).Put as never)));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export class LedgerChanged extends Error {
  override readonly name = 'LedgerChanged';
}

export const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(attempt + 1, 10)));

export interface NewPayment {
  readonly id: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly method: PaymentRecord['method'];
  readonly provider: PaymentRecord['provider'];
  readonly reference: string | null;
  readonly recordedBy: string;
  readonly requestHash?: string;
  /** Stripe payments: the amount the checkout asked for; anything else is a mismatch. */
  readonly expectedAmount?: number;
  /** Stripe payments: the event that reported it and its payment intent (each recorded once). */
  readonly stripe?: StripeEventRef & { readonly paymentIntentId: string };
}

export type PaymentOutcome =
  | { readonly kind: 'recorded'; readonly payment: PaymentRecord; readonly order: OrderRecord; readonly completedNow: boolean }
  /** This payment (id, payment intent) or this Stripe event was recorded before. */
  | { readonly kind: 'duplicate'; readonly payment: PaymentRecord | undefined };

/**
 * Records one payment exactly once. A Stripe payment whose amount or currency does not match
 * is recorded as `needs_review` and never counts; a payment for an order that can no longer
 * be paid is recorded as `refund_required` (the order and its stock are left alone).
 */
export async function recordPayment(input: NewPayment): Promise<PaymentOutcome | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 0) await pause(attempt);
    const order = await findOrder(input.orderId);
    if (!order) return undefined;
    const ledger = await orderLedger(order.id);
    const existing = ledger.payments.find((p) => p.id === input.id);
    if (existing) {
      if (input.stripe) await recordStripeEvent(input.stripe, order.id);
      return { kind: 'duplicate', payment: existing };
    }
    const mismatch = input.currency !== order.currency || (input.expectedAmount !== undefined && input.amount !== input.expectedAmount);
    const payable = PAYABLE_ORDER_STATUSES.includes(order.status);
    const status = paymentRecordStatus({ orderStatus: order.status, mismatch, recordedBy: input.provider === 'manual' ? 'admin' : 'provider' });
    const createdAt = new Date().toISOString();
    const draft = { id: input.id, status, amount: input.amount, provider: input.provider, createdAt: new Date().toISOString() };
    const withDraft = { ...ledger, payments: [...ledger.payments, draft as PaymentRecord] };
    const summary = summarize(order, withDraft);
    // A Stripe refund that came before its payment: the payment is written with it already refunded.
    const refundedAlready = refundPositions(withDraft).get(input.id)!.refunded;
    const flags: PaymentFlag[] = [
      ...(mismatch ? (['amount_mismatch'] as const) : []),
      ...(!payable ? (['refund_required'] as const) : []),
      ...(status === 'succeeded' && summary.overpaidBy > 0 ? (['overpayment'] as const) : []),
    ];
    const payment: PaymentRecord = {
      id: input.id,
      orderId: order.id,
      userId: order.userId,
      amount: input.amount,
      currency: input.currency,
      method: input.method,
      provider: input.provider,
      reference: input.reference,
      status,
      flags,
      createdAt,
      recordedBy: input.recordedBy,
      ...(input.requestHash ? { requestHash: input.requestHash } : {}),
      ...(refundedAlready > 0 ? { refunded: refundedAlready, refundedAt: createdAt } : {}),
    };
    const extra: TransactItems = [
      {
        Put: {
          TableName: tableName,
          Item: {
            ...paymentKey(order.id, payment.id),
            type: 'payment',
            ...payment,
            gsi1pk: userPaymentsPartition(order.userId),
            gsi1sk: `${createdAt}#${payment.id}`,
            gsi2pk: allPaymentsPartition(payment.id),
            gsi2sk: `${createdAt}#${payment.id}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...(input.stripe
        ? [
            stripeEventItem(input.stripe, order.id),
            {
              Put: {
                TableName: tableName,
                Item: { ...paymentIntentKey(input.stripe.paymentIntentId), type: 'stripePaymentIntent', orderId: order.id, paymentId: payment.id, recordedAt: createdAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ]
        : []),
    ];
    const completesOrder = status === 'succeeded' && summary.status === 'completed' && order.status === 'pending';
    const offset = completesOrder ? statusChangeItemCount(order, 'paid') : 1;
    try {
      if (completesOrder) {
        const version = order.paymentVersion ?? 0;
        await changeOrderStatus({
          orderId: order.id,
          order,
          to: 'paid',
          actor: 'payment',
          by: input.recordedBy,
          note: `payment ${payment.id} completed the payment`,
          orderUpdate: (fresh) => {
            if ((fresh.paymentVersion ?? 0) !== version) throw new LedgerChanged();
            return ledgerFields(fresh, summary, false);
          },
          extraItems: () => extra,
        });
      } else {
        await transactWrite([ledgerUpdateItem(order, summary), ...extra]);
      }
      const updated: OrderRecord = {
        ...order,
        ...(completesOrder ? { status: 'paid' as const } : {}),
        paymentStatus: summary.status,
        amountPaid: summary.amountPaid,
        amountDue: summary.amountDue,
        amountRefunded: summary.amountRefunded,
        overpaidBy: summary.overpaidBy,
        paymentVersion: (order.paymentVersion ?? 0) + 1,
      };
      return { kind: 'recorded', payment, order: updated, completedNow: completesOrder };
    } catch (error) {
      if (error instanceof LedgerChanged || error instanceof InvalidTransitionError || error instanceof ServiceBusyError) continue;
      if (!(error instanceof TransactionCancelled)) throw error;
      if (!completesOrder && error.failedAt(0)) continue;
      // The ledger items: [payment, stripe event, payment intent].
      if (input.stripe && error.failedAt(offset + 1)) return { kind: 'duplicate', payment: undefined };
      if (error.failedAt(offset) || (input.stripe && error.failedAt(offset + 2))) {
        if (input.stripe) await recordStripeEvent(input.stripe, order.id);
        const winner = (await orderLedger(order.id)).payments.find((p) => p.id === input.id);
        return { kind: 'duplicate', payment: winner };
      }
      // Something else (the order changed under a status change): decide again.
    }
  }
  throw new ServiceBusyError();
}

/**
 * A failed Stripe payment fails a pending order that has received nothing yet (the rollback
 * schedule returns its stock later); otherwise the event is only recorded.
 */
export async function failOrderPayment(input: { orderId: string; stripe: StripeEventRef; reason: string }): Promise<'failed' | 'duplicate' | 'ignored'> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 0) await pause(attempt);
    const order = await findOrder(input.orderId);
    if (!order || order.status !== 'pending' || order.amountPaid > 0) {
      return (await recordStripeEvent(input.stripe, order?.id)) ? 'ignored' : 'duplicate';
    }
    const version = order.paymentVersion ?? 0;
    try {
      await changeOrderStatus({
        orderId: order.id,
        order,
        to: 'failed',
        actor: 'payment',
        by: 'stripe',
        note: input.reason,
        orderUpdate: (fresh) => {
          if ((fresh.paymentVersion ?? 0) !== version) throw new LedgerChanged();
          return { condition: 'attribute_not_exists(paymentVersion) OR paymentVersion = :pVersion', values: { ':pVersion': version } };
        },
        extraItems: () => [stripeEventItem(input.stripe, order.id)],
      });
      return 'failed';
    } catch (error) {
      if (error instanceof LedgerChanged || error instanceof InvalidTransitionError || error instanceof ServiceBusyError) continue;
      if (!(error instanceof TransactionCancelled)) throw error;
      if (error.failedAt(statusChangeItemCount(order, 'failed'))) return 'duplicate';
    }
  }
  throw new ServiceBusyError();
}

/** The order a Stripe payment intent was recorded for, if it was. */
export async function orderOfPaymentIntent(paymentIntentId: string): Promise<string | undefined> {
  const { Items } = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': paymentIntentKey(paymentIntentId).pk, ':sk': 'PI' },
      ConsistentRead: true,
    }),
  );
  return Items?.[0]?.orderId as string | undefined;
}

export interface PaymentListFilter {
  readonly limit: number;
  readonly cursor?: string | undefined;
  /** Only this customer's payments. */
  readonly userId?: string | undefined;
}

/**
 * Payments newest first, of one customer (gsi1) or of everyone (gsi2's shards, admin). No Scan.
 * One order's payments: `orderPayments`.
 */
export async function listPayments(filter: PaymentListFilter): Promise<Page<PaymentRecord>> {
  const common = { limit: filter.limit, cursor: filter.cursor };
  const index = filter.userId ? 'gsi1' : 'gsi2';
  const partitions = filter.userId ? [userPaymentsPartition(filter.userId)] : ALL_PAYMENTS_PARTITIONS;
  const page = await queryShards({ index, partitions, descending: true, scope: `payments:${partitions[0]}`, ...common });
  return { ...page, items: page.items.map(toPaymentRecord) };
}

/** The order item sorts just before its payments: IDX#ALL < ORDER < PAYMENT#… < REFUND#… ('$' follows '#'). */
const ORDER_PAYMENTS_RANGE = { from: 'ORDER', to: 'PAYMENT$' } as const;

export interface OrderPayments {
  /** The customer the order belongs to (its payments carry it too). */
  readonly ownerId: string;
  readonly page: Page<PaymentRecord>;
}

/**
 * One order's payments by payment id, last first, and the order's owner, in one strongly
 * consistent Query of its partition: read backwards from the last payment down to the order
 * item, which closes the range. `limit + 1` items are read: the extra one is either a payment
 * (a next page) or the order item (none). A page that stops before the order item takes the
 * owner from its payments (each is written with its order's `userId`). `undefined`: no such
 * order (orders are never deleted, so their payments are never seen without them).
 */
export async function orderPayments(orderId: string, limit: number, cursor: string | undefined): Promise<OrderPayments | undefined> {
  const scope = `payments:order:${orderId}`;
  const result = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': orderKey(orderId).pk, ':from': ORDER_PAYMENTS_RANGE.from, ':to': ORDER_PAYMENTS_RANGE.to },
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: limit + 1,
      ExclusiveStartKey: decodeCursor(cursor, scope),
    }),
  );
  const items = result.Items ?? [];
  const order = items.find((item) => item.sk === ORDER_PAYMENTS_RANGE.from);
  const payments = items.filter((item) => String(item.sk).startsWith('PAYMENT#'));
  const ownerId = (order?.userId ?? payments.find((item) => typeof item.userId === 'string')?.userId) as string | undefined;
  if (ownerId === undefined) return undefined;
  const page = payments.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    payments.length > limit ? encodeCursor({ pk: last!.pk, sk: last!.sk }, scope)
    : result.LastEvaluatedKey && !order ? encodeCursor(result.LastEvaluatedKey, scope)
    : null;
  return { ownerId, page: { items: page.map(toPaymentRecord), nextCursor, reads: 1, scanned: result.ScannedCount ?? items.length } };
}
