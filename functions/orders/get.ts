import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';
import { getOrderFor } from '../../shared/orders/order-queries.js';
import { toPublicOrder } from '../../shared/orders/order.js';
import { moneyOfOrder } from '../../shared/payments/payment-queries.js';
import { toPublicPayment } from '../../shared/payments/payment.js';
import { orderShipments } from '../../shared/shipments/shipment-repository.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';

/** The detail view adds payments, refunds and shipments (all in the order's partition). */
export const handler = httpHandler(routes.getOrder, async ({ auth, path }) => {
  const order = await getOrderFor(auth, path.id);
  // Payments, refunds and shipments live in the order's partition: one Query for the ledger, one for shipments.
  const [money, shipments] = await Promise.all([moneyOfOrder(order.id), orderShipments(order.id)]);
  return ok({ ...toPublicOrder(order), payments: money.payments.map(toPublicPayment), refunds: money.refunds, shipments: shipments.map(toPublicShipment) });
});
