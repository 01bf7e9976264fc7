/**
 * A shipment's own state machine (API.md "Shipments"), as one pure function. It follows what
 * carriers actually report: a parcel often goes from `in_transit` straight to `delivered`
 * (no `out_for_delivery` scan), a failed delivery attempt sends it back from
 * `out_for_delivery` to `in_transit`, and `exception` (damaged, address problem, held at
 * customs) can happen at any point before delivery and is left for any later step.
 * `delivered` is final; `label_created` is never re-entered.
 */
export const SHIPMENT_STATUSES = ['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

const moves: Record<ShipmentStatus, readonly ShipmentStatus[]> = {
  label_created: ['in_transit', 'exception'],
  in_transit: ['out_for_delivery', 'delivered', 'exception'],
  // Back to in_transit: the delivery attempt failed and the parcel returns to the depot.
  out_for_delivery: ['delivered', 'in_transit', 'exception'],
  exception: ['in_transit', 'out_for_delivery', 'delivered'],
  delivered: [],
};

export function canShipmentTransition(from: ShipmentStatus, to: ShipmentStatus): boolean {
  return moves[from].includes(to);
}

export const nextShipmentStatuses = (from: ShipmentStatus): ShipmentStatus[] => [...moves[from]];

/** The moves in words, from the same table (OpenAPI descriptions): `label_created → in_transit, exception; …`. */
export const describeShipmentMoves = (): string =>
  SHIPMENT_STATUSES.map((from) => `${from} → ${moves[from].length > 0 ? moves[from].join(', ') : '(final)'}`).join('; ');
