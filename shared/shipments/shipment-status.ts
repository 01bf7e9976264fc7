/**
 * A shipment's own state machine (API.md "Shipments"), as one pure function. Carriers report
 * progress in one direction; `exception` (damaged, address problem, held at customs) can
 * happen at any point before delivery and is left for any later step; `delivered` is final.
 */
export const SHIPMENT_STATUSES = ['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

const moves: Record<ShipmentStatus, readonly ShipmentStatus[]> = {
  label_created: ['in_transit', 'exception'],
  in_transit: ['out_for_delivery', 'exception'],
  out_for_delivery: ['delivered', 'exception'],
  exception: ['in_transit', 'out_for_delivery', 'delivered'],
  delivered: [],
};

export function canShipmentTransition(from: ShipmentStatus, to: ShipmentStatus): boolean {
  return moves[from].includes(to);
}

export const nextShipmentStatuses = (from: ShipmentStatus): ShipmentStatus[] => [...moves[from]];
