import { shipmentRoutes } from '../../infra/routes/shipments.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { getShipmentFor } from '../../shared/shipments/shipment-queries.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';

export const handler = httpHandler(shipmentRoutes.getShipment, async ({ auth, path }) => ok(toPublicShipment(await getShipmentFor(auth, path.trackingNumber))));
