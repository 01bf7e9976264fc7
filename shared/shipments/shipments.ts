/**
 * Shipment changes as admins make them, with their emails. Every write that changes a status
 * emails the customer exactly once: when the order moves (first shipment → `shipped`, last
 * delivery → `delivered`) the order-status email, whose note names the carrier and tracking
 * number; otherwise the shipment-update email. A checkpoint alone sends nothing.
 */
import type { AuthContext } from '../auth/authenticate.js';
import { publishAfterCommit } from '../events/publish.js';
import type { CreateShipmentInput, UpdateShipmentInput } from '../schemas/shipments.js';
import { createShipment, updateShipment, type OrderMove } from './shipment-repository.js';
import type { ShipmentRecord } from './shipment.js';

async function publishOrderMove(move: OrderMove, to: 'shipped' | 'delivered') {
  await publishAfterCommit('order.status_changed', { orderId: move.order.id, userId: move.order.userId, from: move.from, to, note: move.note });
}

async function publishShipmentUpdate(shipment: ShipmentRecord, from: string | undefined) {
  await publishAfterCommit('shipment.status_changed', {
    shipmentId: shipment.id,
    orderId: shipment.orderId,
    userId: shipment.userId,
    carrier: shipment.carrier,
    trackingNumber: shipment.trackingNumber,
    ...(from ? { from } : {}),
    to: shipment.status,
  });
}

export async function createShipmentAs(auth: AuthContext, input: CreateShipmentInput): Promise<ShipmentRecord> {
  const { shipment, orderMove } = await createShipment({ ...input, by: auth.userId });
  if (orderMove) await publishOrderMove(orderMove, 'shipped');
  else await publishShipmentUpdate(shipment, undefined);
  return shipment;
}

export async function updateShipmentAs(auth: AuthContext, trackingNumber: string, change: UpdateShipmentInput): Promise<ShipmentRecord> {
  const { shipment, from, orderMove } = await updateShipment({ trackingNumber, change, by: auth.userId });
  if (orderMove) await publishOrderMove(orderMove, 'delivered');
  else if (change.status) await publishShipmentUpdate(shipment, from);
  return shipment;
}
