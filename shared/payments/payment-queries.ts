/** Payment reads as customers and admins see them (no queue client, no Stripe SDK). */
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { getOrderFor } from '../orders/order-queries.js';
import type { ListPaymentsQuery } from '../schemas/payments.js';
import { listPayments, orderLedger } from './payment-repository.js';
import type { PaymentRecord } from './payment.js';

/** Customers see their own orders' payments only; another customer's order is a 404. */
export async function listPaymentsFor(auth: AuthContext, query: ListPaymentsQuery) {
  if (query.orderId) await getOrderFor(auth, query.orderId);
  return listPayments({ ...query, userId: isAdmin(auth) || query.orderId ? undefined : auth.userId });
}

/** An order's payments for its detail view, oldest first. */
export async function paymentsOfOrder(orderId: string): Promise<PaymentRecord[]> {
  const { payments } = await orderLedger(orderId);
  return payments.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}
