import { shipmentRoutes } from '../../infra/routes/shipments.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { created } from '../../shared/http/responses.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';
import { createShipmentAs } from '../../shared/shipments/shipments.js';

export const handler = httpHandler(shipmentRoutes.createShipment, async ({ auth, body }) => created(toPublicShipment(await createShipmentAs(auth, body))));
