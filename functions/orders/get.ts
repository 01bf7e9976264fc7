import { orderRoutes } from '../../infra/routes/orders.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderDetailFor } from '../../shared/orders/order-detail.js';
import { toPublicOrder } from '../../shared/orders/order.js';
import { moneyOfLedger } from '../../shared/payments/payment-queries.js';
import { toPublicPayment } from '../../shared/payments/payment.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';

/** The detail view adds payments, refunds and shipments: all in the order's partition, read with it in one Query. */
export const handler = httpHandler(orderRoutes.getOrder, async ({ auth, path }) => {
  const { order, ledger, shipments } = await orderDetailFor(auth, path.id);
  const money = moneyOfLedger(order.id, ledger);
  return ok({ ...toPublicOrder(order), payments: money.payments.map(toPublicPayment), refunds: money.refunds, shipments: shipments.map(toPublicShipment) });
});
