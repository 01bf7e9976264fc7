import { shipmentRoutes } from '../../infra/routes/shipments.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { listShipmentsFor } from '../../shared/shipments/shipment-queries.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';

export const handler = httpHandler(shipmentRoutes.listShipments, async ({ auth, query }) => {
  const page = await listShipmentsFor(auth, query);
  return ok({ items: page.items.map(toPublicShipment), nextCursor: page.nextCursor });
});
