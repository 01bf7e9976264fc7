import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';
import { getOrderFor } from '../../shared/orders/order-queries.js';
import { toPublicOrder } from '../../shared/orders/order.js';
import { paymentsOfOrder } from '../../shared/payments/payment-queries.js';
import { toPublicPayment } from '../../shared/payments/payment.js';
import { orderShipments } from '../../shared/shipments/shipment-repository.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';

/** The detail view adds payments and shipments (both in the order's partition). */
export const handler = httpHandler(routes.getOrder, async ({ auth, path }) => {
  const order = await getOrderFor(auth, path.id);
  // Payments and shipments live in the order's partition: one Query each.
  const [payments, shipments] = await Promise.all([paymentsOfOrder(order.id), orderShipments(order.id)]);
  return ok({ ...toPublicOrder(order), payments: payments.map(toPublicPayment), shipments: shipments.map(toPublicShipment) });
});
