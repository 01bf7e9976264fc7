/** Shipment reads as customers and admins see them (no queue client: read-only functions use these). */
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { NotFoundError } from '../errors.js';
import type { ListShipmentsQuery } from '../schemas/shipments.js';
import { findShipmentByTrackingNumber, listShipments } from './shipment-repository.js';
import type { ShipmentRecord } from './shipment.js';


/** Another customer's shipment is a 404, like their order. */
export async function getShipmentFor(auth: AuthContext, trackingNumber: string): Promise<ShipmentRecord> {
  const shipment = await findShipmentByTrackingNumber(trackingNumber);
  if (!shipment || (!isAdmin(auth) && shipment.userId !== auth.userId)) throw new NotFoundError('Shipment');
  return shipment;
}

export const listShipmentsFor = (auth: AuthContext, query: ListShipmentsQuery) =>
  listShipments({ ...query, userId: isAdmin(auth) ? undefined : auth.userId });
