/**
 * Shipments.
 *
 *   shipment   pk ORDER#<orderId>       sk SHIPMENT#<id>   gsi1 SHIPMENTS#<shard> / <createdAt>#<id>        (admin: all shipments)
 *                                                          gsi2 USER#<userId>#SHIPMENTS / <createdAt>#<id>  (a customer's shipments)
 *   claim      pk TRACKING#<number>     sk TRACKING        {orderId, shipmentId, shipment: a copy of the shipment}
 *
 * A shipment lives in its order's partition, so an order's shipments are one Query. The
 * tracking-number claim is written with `attribute_not_exists` in the shipment's own
 * transaction: a number is used once, however many requests race for it, and it is how
 * `/shipments/{trackingNumber}` finds the shipment: one GetItem, as the claim carries a copy
 * of the shipment that every write of the shipment changes in the same transaction, by the
 * same expressions (claims written before the copy existed point to the item, read second,
 * until the shipment's next update). Tracking numbers are stored normalised (upper case, no
 * spaces or dashes), so ` 1z-999 ` and `1Z999` are one.
 *
 * Which index serves which read (no Scan):
 *   GET /shipments/{n}, ?trackingNumber=n   claim GetItem (its copy; a claim without one → shipment GetItem)
 *   ?orderId=o                              Query pk ORDER#o, sk begins_with SHIPMENT# (customers: filter userId)
 *   admin, everything                       gsi1 SHIPMENTS, newest first
 *   customer, everything                    gsi2 USER#<userId>#SHIPMENTS, newest first
 */
import type { ShipmentStatus } from './shipment-status.js';
import { allShards, shardedPartition } from '../write-shards.js';

export interface Checkpoint {
  readonly location: string;
  readonly description: string;
  readonly at: string;
}

export interface ShipmentRecord {
  readonly id: string;
  readonly orderId: string;
  /** The order's customer, copied so customer reads need no order lookup. */
  readonly userId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly status: ShipmentStatus;
  readonly checkpoints: readonly Checkpoint[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const SHIPMENT_PREFIX = 'SHIPMENT#';
export const shipmentKey = (orderId: string, id: string) => ({ pk: `ORDER#${orderId}`, sk: `${SHIPMENT_PREFIX}${id}` });
export const trackingKey = (trackingNumber: string) => ({ pk: `TRACKING#${trackingNumber}`, sk: 'TRACKING' });
/** Every shipment writes the all-shipments list: write-sharded by shipment id. */
export const allShipmentsPartition = (id: string) => shardedPartition('SHIPMENTS', id);
export const ALL_SHIPMENTS_PARTITIONS = allShards('SHIPMENTS');
export const userShipmentsPartition = (userId: string) => `USER#${userId}#SHIPMENTS`;

/** Upper case without spaces or dashes: how tracking numbers are stored, claimed and looked up. */
export const normaliseTrackingNumber = (value: string) => value.replace(/[\s-]/g, '').toUpperCase();

/** At most this many checkpoints per shipment (keeps the item far below DynamoDB's 400 KB). */
export const MAX_CHECKPOINTS = 200;

export const toShipmentRecord = (item: Record<string, unknown>): ShipmentRecord => item as unknown as ShipmentRecord;

export function toPublicShipment(shipment: ShipmentRecord) {
  return {
    id: shipment.id,
    orderId: shipment.orderId,
    carrier: shipment.carrier,
    trackingNumber: shipment.trackingNumber,
    status: shipment.status,
    checkpoints: shipment.checkpoints.map((checkpoint) => ({ ...checkpoint })),
    createdAt: shipment.createdAt,
    updatedAt: shipment.updatedAt,
  };
}
export type PublicShipment = ReturnType<typeof toPublicShipment>;
