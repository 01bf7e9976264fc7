import { shipmentRoutes } from '../../infra/routes/shipments.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';
import { updateShipmentAs } from '../../shared/shipments/shipments.js';

export const handler = httpHandler(shipmentRoutes.updateShipment, async ({ auth, path, body }) =>
  ok(toPublicShipment(await updateShipmentAs(auth, path.trackingNumber, body))),
);
