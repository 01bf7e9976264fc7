import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { created } from '../../shared/http/responses.js';
import { toPublicShipment } from '../../shared/shipments/shipment.js';
import { createShipmentAs } from '../../shared/shipments/shipments.js';

export const handler = httpHandler(routes.createShipment, async ({ auth, body }) => created(toPublicShipment(await createShipmentAs(auth, body))));
