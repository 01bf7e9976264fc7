/** Payment reads as customers and admins see them (no queue client, no Stripe SDK). */
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { NotFoundError } from '../errors.js';
import type { Page } from '../pagination.js';
import type { ListPaymentsQuery } from '../schemas/payments.js';
import { listPayments, orderLedger, orderPayments, type OrderLedger } from './payment-repository.js';
import { toPublicRefund, type PaymentRecord, type PublicRefund } from './payment.js';
import { stripeOnlyRefunds } from './refunds.js';

/**
 * Customers see their own orders' payments only; another customer's order is a 404, like a
 * missing one. One order's payments and its owner come from one Query of its partition.
 */
export async function listPaymentsFor(auth: AuthContext, query: ListPaymentsQuery): Promise<Page<PaymentRecord>> {
  if (query.orderId) {
    const found = await orderPayments(query.orderId, query.limit, query.cursor);
    if (!found || (!isAdmin(auth) && found.ownerId !== auth.userId)) throw new NotFoundError('Order');
    return found.page;
  }
  return listPayments({ limit: query.limit, cursor: query.cursor, userId: isAdmin(auth) ? undefined : auth.userId });
}

/** An order's payments for its detail view, oldest first. */
export async function paymentsOfOrder(orderId: string): Promise<PaymentRecord[]> {
  return (await moneyOfOrder(orderId)).payments;
}

/**
 * An order's payments and refunds for its detail view (one Query of its partition), oldest
 * first: the refunds issued here, then what Stripe reports beyond them (dashboard refunds, id
 * `stripe:<charge id>`).
 */
export async function moneyOfOrder(orderId: string): Promise<{ payments: PaymentRecord[]; refunds: PublicRefund[] }> {
  return moneyOfLedger(orderId, await orderLedger(orderId));
}

/** moneyOfOrder from a ledger already read (GET /orders/{id} reads it with the order). */
export function moneyOfLedger(orderId: string, ledger: OrderLedger): { payments: PaymentRecord[]; refunds: PublicRefund[] } {
  const byTime = <T extends { createdAt: string; id: string }>(a: T, b: T) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
  const issuedHere = ledger.refunds.map(toPublicRefund).sort(byTime);
  const currencyOf = new Map(ledger.chargeRefunds.map((charge) => [charge.chargeId, charge]));
  const inStripe: PublicRefund[] = stripeOnlyRefunds(ledger).map((extra) => ({
    id: `stripe:${extra.chargeId}`,
    orderId,
    paymentId: extra.paymentId,
    amount: extra.amount,
    currency: currencyOf.get(extra.chargeId)!.currency,
    reason: null,
    status: 'succeeded',
    failure: null,
    provider: 'stripe',
    createdAt: currencyOf.get(extra.chargeId)!.updatedAt,
  }));
  return { payments: [...ledger.payments].sort(byTime), refunds: [...issuedHere, ...inStripe] };
}
