/**
 * Refunds in the ledger (payment.ts for the items, refunds.ts for the rules). Every write is
 * one transaction with the order's figures, conditioned on the `paymentVersion` read, like
 * payments: refunds of one order serialize, so two refunds at once can never take back more
 * than was paid.
 *
 * A refund issued here goes in three steps:
 *   1. reserve: the refund item (id from the Idempotency-Key, `attribute_not_exists`), `pending`
 *      for a Stripe payment, `succeeded` at once for an offline one (with the payment's
 *      `refunded` and the order's figures);
 *   2. Stripe (card payments only): the Refunds API with idempotency key `refund-<id>`, outside
 *      any transaction;
 *   3. complete: `pending` → `succeeded` (or `failed` when Stripe refused), conditioned on still
 *      being pending, with the payment's `refunded` and the order's figures.
 * A crash or a Stripe outage between the steps leaves the refund `pending` (held back from what
 * is refundable); the same request again (same Idempotency-Key) resumes it and Stripe's
 * idempotency makes the second call return the first refund. Stripe may still fail a refund it
 * accepted (`succeeded`, or `pending`/`requires_action` at Stripe, recorded `succeeded` here)
 * days later: recordRefundFailure (from the webhook) moves it to `failed` and takes it out of
 * every figure. No Stripe SDK here.
 */
import { createHash } from 'node:crypto';
import { tableName } from '../clients/dynamodb.js';
import { AppError, NotFoundError, PaymentsNotConfiguredError } from '../errors.js';
import { findOrder, IdempotencyKeyReusedError } from '../orders/order-repository.js';
import type { OrderRecord } from '../orders/order.js';
import { ServiceBusyError, TransactionCancelled, transactWrite, type TransactItems } from '../transactions.js';
import { chargeRefundKey, idempotentRefundId, refundKey, type ChargeRefundRecord, type RefundRecord } from './payment.js';
import {
  ledgerUpdateItem,
  MAX_ATTEMPTS,
  orderLedger,
  pause,
  paymentRefundedItem,
  recordStripeEvent,
  stripeEventItem,
  summarize,
  type OrderLedger,
  type StripeEventRef,
} from './payment-repository.js';
import { newerChargeReport, planRefund, planRefundFailure, refundedChanges, withFailedRefund, type RefundFailure } from './refunds.js';

/** Stripe said no (charge disputed, already refunded, …): the refund is `failed`, nothing moved. */
export class StripeRefundRefused extends Error {
  override readonly name = 'StripeRefundRefused';
}

/** Creates the refund at Stripe (idempotent on `refundId`); throws StripeRefundRefused for a definite no. */
export type StripeRefunder = (input: { orderId: string; refundId: string; paymentIntentId: string; amount: number }) => Promise<{ stripeRefundId: string }>;

export class RefundFailedError extends AppError {
  readonly status = 409;
  readonly code = 'REFUND_FAILED';
  constructor(reason: string) {
    super(`Stripe refused the refund: ${reason}`, { reason });
  }
}

/** Stripe could not be reached or failed: whether it refunded is unknown until the request is repeated. */
export class RefundPendingError extends AppError {
  readonly status = 502;
  readonly code = 'PAYMENT_PROVIDER_ERROR';
  constructor(refundId: string) {
    super('Stripe did not confirm the refund; it is held as pending: repeat the request with the same Idempotency-Key', { refundId, status: 'pending' });
  }
}

export interface RefundRequest {
  readonly orderId: string;
  readonly amount: number;
  readonly reason: string;
  readonly paymentId?: string | undefined;
  readonly idempotencyKey: string;
  readonly recordedBy: string;
}

export interface RefundOutcome {
  readonly refund: RefundRecord;
  /** The refund existed already (same Idempotency-Key and body). */
  readonly replayed: boolean;
  /** This request moved it to `succeeded`: announce it (the refund email). */
  readonly succeededNow: boolean;
}

/** The ledger after `refund` is put in (or replaces the one with its id). */
const withRefund = (ledger: OrderLedger, refund: RefundRecord): OrderLedger => ({ ...ledger, refunds: [...ledger.refunds.filter((r) => r.id !== refund.id), refund] });

/** The order's figures and every payment whose `refunded` moves, for the ledger after the change. */
function ledgerItems(order: OrderRecord, after: OrderLedger, now: string): TransactItems {
  return [ledgerUpdateItem(order, summarize(order, after)), ...refundedChanges(after).map((change) => paymentRefundedItem(order.id, change, now))];
}

type LedgerStep<T> = { readonly answer: T; readonly write?: TransactItems };

/**
 * The loop of every ledger write here: read the order and its ledger, decide (an answer without
 * writing, or one transaction and the answer it gives), and on a conflict or a cancelled
 * condition (the ledger, a refund or a charge moved on) read again and decide again.
 * `cancelled` may make a cancellation final (the Stripe event was recorded before); a missing
 * order is `missing()`, a 404 by default.
 */
async function withLedger<T>(
  orderId: string,
  decide: (order: OrderRecord, ledger: OrderLedger) => LedgerStep<T> | Promise<LedgerStep<T>>,
  options: { missing?: () => T; cancelled?: (error: TransactionCancelled, order: OrderRecord) => T | undefined } = {},
): Promise<T> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 0) await pause(attempt);
    const order = await findOrder(orderId);
    if (!order) {
      if (options.missing) return options.missing();
      throw new NotFoundError('Order');
    }
    const step = await decide(order, await orderLedger(order.id));
    if (!step.write) return step.answer;
    try {
      await transactWrite(step.write);
      return step.answer;
    } catch (error) {
      if (error instanceof ServiceBusyError) continue;
      if (!(error instanceof TransactionCancelled)) throw error;
      const final = options.cancelled?.(error, order);
      if (final !== undefined) return final;
    }
  }
  throw new ServiceBusyError();
}

/** A refund's move from the status read (`from`, the condition) to its status now, with the Stripe id and the failure it carries. */
function refundMoveItem(refund: RefundRecord, from: RefundRecord['status']): TransactItems[number] {
  const details = (['stripeRefundId', 'failure'] as const).filter((field) => refund[field] != null);
  return {
    Update: {
      TableName: tableName,
      Key: refundKey(refund.orderId, refund.id),
      UpdateExpression: `SET #status = :status, updatedAt = :now${details.map((field) => `, ${field} = :${field}`).join('')}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': refund.status, ':now': refund.updatedAt, ':from': from, ...Object.fromEntries(details.map((field) => [`:${field}`, refund[field]])) },
    },
  };
}

async function reserve(request: RefundRequest, id: string, requestHash: string, stripeReady: boolean): Promise<{ refund: RefundRecord; fresh: boolean }> {
  return withLedger<{ refund: RefundRecord; fresh: boolean }>(request.orderId, (order, ledger) => {
    const existing = ledger.refunds.find((refund) => refund.id === id);
    if (existing) {
      if (existing.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
      return { answer: { refund: existing, fresh: false } };
    }
    const { payment } = planRefund(ledger, { amount: request.amount, paymentId: request.paymentId });
    const paymentRecord = ledger.payments.find((p) => p.id === payment.id)!;
    if (payment.provider === 'stripe' && !stripeReady) throw new PaymentsNotConfiguredError('Card payments are refunded through Stripe, which is not configured on this server');
    const now = new Date().toISOString();
    const refund: RefundRecord = {
      id,
      orderId: order.id,
      userId: order.userId,
      paymentId: payment.id,
      amount: request.amount,
      currency: paymentRecord.currency,
      reason: request.reason,
      status: payment.provider === 'stripe' ? 'pending' : 'succeeded',
      provider: payment.provider,
      stripeRefundId: null,
      recordedBy: request.recordedBy,
      requestHash,
      createdAt: now,
      updatedAt: now,
    };
    const put: TransactItems[number] = {
      Put: { TableName: tableName, Item: { ...refundKey(order.id, id), type: 'refund', ...refund }, ConditionExpression: 'attribute_not_exists(pk)' },
    };
    // A pending refund moves no figure yet, but bumps the ledger version: concurrent refunds see it.
    return { write: [put, ...ledgerItems(order, withRefund(ledger, refund), now)], answer: { refund, fresh: true } };
  });
}

async function complete(orderId: string, id: string, outcome: { status: 'succeeded'; stripeRefundId: string } | { status: 'failed'; failure: string }): Promise<{ refund: RefundRecord; now: boolean }> {
  return withLedger<{ refund: RefundRecord; now: boolean }>(orderId, (order, ledger) => {
    const current = ledger.refunds.find((refund) => refund.id === id);
    if (!current) throw new NotFoundError('Refund');
    if (current.status !== 'pending') return { answer: { refund: current, now: false } };
    const now = new Date().toISOString();
    const refund: RefundRecord = outcome.status === 'succeeded'
      ? { ...current, status: 'succeeded', stripeRefundId: outcome.stripeRefundId, updatedAt: now }
      : { ...current, status: 'failed', failure: outcome.failure, updatedAt: now };
    return { write: [refundMoveItem(refund, current.status), ...ledgerItems(order, withRefund(ledger, refund), now)], answer: { refund, now: true } };
  });
}

/**
 * Refunds `amount` of the order's payments (refunds.ts planRefund picks the payment). The same
 * Idempotency-Key with the same body answers the first refund (resuming it if it was left
 * pending); with another body it is a 422.
 */
export async function issueRefund(request: RefundRequest, stripe: StripeRefunder | undefined): Promise<RefundOutcome> {
  const requestHash = createHash('sha256').update(JSON.stringify([request.amount, request.reason, request.paymentId ?? null])).digest('base64url');
  const id = idempotentRefundId(request.orderId, request.idempotencyKey);
  const reserved = await reserve(request, id, requestHash, stripe !== undefined);
  const { fresh } = reserved;
  // A repeat that finds the refund pending while its first request is still talking to Stripe
  // waits for that one (Stripe answers a concurrent call with the same idempotency key with a
  // 409); a refund left pending by a crash or an outage is resumed after the wait.
  const refund = fresh ? reserved.refund : await settled(reserved.refund);
  if (refund.status === 'failed') throw new RefundFailedError(refund.failure ?? 'refused');
  if (refund.status === 'succeeded') return { refund, replayed: !fresh, succeededNow: fresh };
  if (!stripe) throw new PaymentsNotConfiguredError('Card payments are refunded through Stripe, which is not configured on this server');
  let stripeRefundId: string;
  try {
    ({ stripeRefundId } = await stripe({ orderId: refund.orderId, refundId: refund.id, paymentIntentId: refund.paymentId, amount: refund.amount }));
  } catch (error) {
    if (!(error instanceof StripeRefundRefused)) throw new RefundPendingError(refund.id);
    const done = await complete(refund.orderId, refund.id, { status: 'failed', failure: error.message.slice(0, 500) });
    throw new RefundFailedError(done.refund.failure ?? error.message);
  }
  const done = await complete(refund.orderId, refund.id, { status: 'succeeded', stripeRefundId });
  if (done.refund.status === 'failed') throw new RefundFailedError(done.refund.failure ?? 'refused');
  return { refund: done.refund, replayed: !fresh, succeededNow: done.now };
}

/** How long a repeat waits for a pending refund's first request to finish. */
const IN_FLIGHT_WAIT_MS = 3_000;

async function settled(refund: RefundRecord): Promise<RefundRecord> {
  if (refund.status !== 'pending' || Date.now() - Date.parse(refund.updatedAt) > 2 * IN_FLIGHT_WAIT_MS) return refund;
  const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const current = (await orderLedger(refund.orderId)).refunds.find((r) => r.id === refund.id);
    if (current && current.status !== 'pending') return current;
  }
  return refund;
}

export interface NewChargeRefund {
  readonly orderId: string;
  readonly chargeId: string;
  readonly paymentIntentId: string | null;
  /** The charge's cumulative amount refunded. */
  readonly amount: number;
  readonly currency: string;
  /** Stripe's `created` of the event (Unix seconds): orders the reports. */
  readonly reportedAt: number;
  readonly stripe: StripeEventRef;
}

/** The charge item as written: its key, its type, the record; new (`attribute_not_exists`) or as read (`updatedAt`). */
function chargeRefundPut(charge: ChargeRefundRecord, previous: ChargeRefundRecord | undefined): TransactItems[number] {
  return {
    Put: {
      TableName: tableName,
      Item: { ...chargeRefundKey(charge.orderId, charge.chargeId), type: 'chargeRefund', ...charge },
      ...(previous
        ? { ConditionExpression: 'updatedAt = :seen', ExpressionAttributeValues: { ':seen': previous.updatedAt } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

/** `updatedAt` for a rewritten item: never the one read, so the `updatedAt = :seen` condition of a concurrent writer fails. */
const nextStamp = (previous: string | undefined) => {
  const now = new Date().toISOString();
  return now === previous ? new Date(Date.parse(now) + 1).toISOString() : now;
};

/**
 * Records a charge's cumulative refund from Stripe's `charge.refunded`. Reports are ordered by
 * the event's time (refunds.ts newerChargeReport): an older report arriving late changes nothing,
 * a later, lower one (after a refund failed) replaces it. The payment's `refunded` is
 * max(refunds issued here, this figure without the failed refunds it contains), so a webhook for
 * a refund issued here adds nothing. Refunds never move the order's status; a refund arriving
 * before its payment leaves the order `refunded` with nothing counted, and the payment is written
 * already refunded when it comes.
 */
export async function recordChargeRefund(input: NewChargeRefund): Promise<'recorded' | 'duplicate' | 'no_order'> {
  return withLedger<'recorded' | 'duplicate' | 'no_order'>(
    input.orderId,
    async (order, ledger) => {
      const previous = ledger.chargeRefunds.find((r) => r.chargeId === input.chargeId);
      if (!newerChargeReport(previous, input)) {
        await recordStripeEvent(input.stripe, order.id);
        return { answer: 'duplicate' };
      }
      const now = nextStamp(previous?.updatedAt);
      const charge: ChargeRefundRecord = {
        ...previous,
        orderId: order.id,
        chargeId: input.chargeId,
        paymentIntentId: input.paymentIntentId ?? previous?.paymentIntentId ?? null,
        amount: input.amount,
        reportedAt: input.reportedAt,
        currency: input.currency,
        updatedAt: now,
      };
      const after: OrderLedger = { ...ledger, chargeRefunds: [...ledger.chargeRefunds.filter((r) => r.chargeId !== input.chargeId), charge] };
      return { write: [chargeRefundPut(charge, previous), stripeEventItem(input.stripe, order.id), ...ledgerItems(order, after, now)], answer: 'recorded' };
    },
    {
      missing: () => 'no_order',
      // Index 1, the Stripe event: recorded before. Otherwise the ledger (or the charge's record) moved on: read again.
      cancelled: (error) => (error.failedAt(1) ? 'duplicate' : undefined),
    },
  );
}

export interface StripeRefundFailure extends RefundFailure {
  readonly orderId: string;
  readonly paymentIntentId: string | null;
  readonly currency: string;
  /** Stripe's failure_reason (or `canceled`). */
  readonly failure: string;
  readonly stripe: StripeEventRef;
}

export type RefundFailureOutcome =
  | { readonly kind: 'no_order' }
  /**
   * `recorded`: this event moved something; `repeat`: recorded, another event for the same
   * failure had moved it already; `duplicate`: this Stripe event was recorded before. `refund`:
   * the refund issued here, if it is one; `order`: the order as read.
   */
  | { readonly kind: 'recorded' | 'repeat' | 'duplicate'; readonly refund: RefundRecord | undefined; readonly order: OrderRecord };

/**
 * Stripe reports a refund failed or canceled after accepting it (refunds.ts planRefundFailure):
 * one transaction with the Stripe event (index 0), the refund issued here `pending`/`succeeded`
 * → `failed` with Stripe's reason (conditioned on the status read), the charge's record learning
 * the failure (so Stripe's cumulative figure stops counting it, whichever of charge.refunded and
 * the failure comes first), the payments' `refunded` and the order's figures (conditioned on the
 * `paymentVersion` read). A lost race reads again and decides again, like complete().
 */
export async function recordRefundFailure(input: StripeRefundFailure): Promise<RefundFailureOutcome> {
  let found: RefundRecord | undefined;
  return withLedger<RefundFailureOutcome>(
    input.orderId,
    async (order, ledger) => {
      const plan = planRefundFailure(ledger, input);
      found = plan.found;
      const { move, chargeLearns } = plan;
      if (!move && !chargeLearns) {
        return { answer: { kind: (await recordStripeEvent(input.stripe, order.id)) ? 'repeat' : 'duplicate', refund: found, order } };
      }
      const previous = input.chargeId === null ? undefined : ledger.chargeRefunds.find((c) => c.chargeId === input.chargeId);
      const now = nextStamp(previous?.updatedAt);
      const refund: RefundRecord | undefined = move
        ? { ...move, status: 'failed', failure: input.failure, stripeRefundId: move.stripeRefundId ?? input.stripeRefundId, updatedAt: now }
        : found;
      const charge: ChargeRefundRecord | undefined =
        chargeLearns && input.chargeId !== null
          ? {
              ...withFailedRefund(
                previous ?? { orderId: order.id, chargeId: input.chargeId, paymentIntentId: input.paymentIntentId, amount: 0, currency: input.currency, updatedAt: now },
                input,
              ),
              updatedAt: now,
            }
          : undefined;
      let after: OrderLedger = refund && move ? withRefund(ledger, refund) : ledger;
      if (charge) after = { ...after, chargeRefunds: [...after.chargeRefunds.filter((c) => c.chargeId !== charge.chargeId), charge] };
      return {
        write: [
          stripeEventItem(input.stripe, order.id),
          ...(move && refund ? [refundMoveItem(refund, move.status)] : []),
          ...(charge ? [chargeRefundPut(charge, previous)] : []),
          ...ledgerItems(order, after, now),
        ],
        answer: { kind: 'recorded', refund, order },
      };
    },
    {
      missing: () => ({ kind: 'no_order' }),
      // Index 0, the Stripe event: recorded before. Otherwise the refund, the charge or the ledger moved on: read again.
      cancelled: (error, order) => (error.failedAt(0) ? { kind: 'duplicate', refund: found, order } : undefined),
    },
  );
}
