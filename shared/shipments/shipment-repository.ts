import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { db, tableName } from '../clients/dynamodb.js';
import { AppError, ConflictError, NotFoundError } from '../errors.js';
import { orderKey } from '../orders/order-keys.js';
import { changeOrderStatus, findOrder, InvalidTransitionError, statusChangeItemCount } from '../orders/order-repository.js';
import { canTransition } from '../orders/order-status.js';
import type { OrderRecord } from '../orders/order.js';
import { decodeCursor, queryPage, queryShards, type Page } from '../pagination.js';

import type { UpdateShipmentInput } from '../schemas/shipments.js';
import { TransactionCancelled, transactWrite, type TransactItems } from '../transactions.js';
import {
  ALL_SHIPMENTS_PARTITIONS,
  allShipmentsPartition,
  MAX_CHECKPOINTS,
  SHIPMENT_PREFIX,
  shipmentKey,
  toShipmentRecord,
  trackingKey,
  userShipmentsPartition,
  type Checkpoint,
  type ShipmentRecord,
} from './shipment.js';
import { canShipmentTransition, type ShipmentStatus } from './shipment-status.js';

type TransactItem = TransactItems[number];

/** Ids sort in creation order even within one millisecond (the order's shipments are listed by id). */
const nextShipmentId = monotonicFactory();

export class ShipmentTransitionError extends AppError {
  readonly status = 409;
  readonly code = 'INVALID_TRANSITION';
  constructor(from: ShipmentStatus, to: ShipmentStatus) {
    super(`A shipment cannot go from ${from} to ${to}`, { from, to });
  }
}

export class TrackingNumberTakenError extends ConflictError {
  constructor(trackingNumber: string) {
    super(`Tracking number ${trackingNumber} is already used by another shipment`, { trackingNumber });
  }
}

/** Between conflict retries: a tracking number claimed meanwhile is the answer (409), not a 503. */
const failWhenTrackingNumberTaken = (trackingNumber: string) => async () => {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: trackingKey(trackingNumber), ConsistentRead: true }));
  if (Item) throw new TrackingNumberTakenError(trackingNumber);
};

/** The shipment's own fields (no keys): what the tracking-number claim carries as its copy. */
const copyOf = (shipment: ShipmentRecord): ShipmentRecord => ({
  id: shipment.id,
  orderId: shipment.orderId,
  userId: shipment.userId,
  carrier: shipment.carrier,
  trackingNumber: shipment.trackingNumber,
  status: shipment.status,
  checkpoints: shipment.checkpoints,
  createdAt: shipment.createdAt,
  updatedAt: shipment.updatedAt,
});

/**
 * The shipment a tracking number belongs to, strongly consistent: the claim carries a copy of
 * the shipment, written in the same transaction as every write of the shipment item, so one
 * GetItem answers. A claim written before the copy existed (`copied: false`) points to the
 * shipment item, read second; its next update writes the copy.
 */
async function readTrackingClaim(trackingNumber: string): Promise<{ shipment: ShipmentRecord; copied: boolean } | undefined> {
  const { Item: claim } = await db.send(new GetCommand({ TableName: tableName, Key: trackingKey(trackingNumber), ConsistentRead: true }));
  if (!claim) return undefined;
  if (claim.shipment) return { shipment: toShipmentRecord(claim.shipment as Record<string, unknown>), copied: true };
  const { Item } = await db.send(
    new GetCommand({ TableName: tableName, Key: shipmentKey(claim.orderId as string, claim.shipmentId as string), ConsistentRead: true }),
  );
  return Item ? { shipment: toShipmentRecord(Item), copied: false } : undefined;
}

export async function findShipmentByTrackingNumber(trackingNumber: string): Promise<ShipmentRecord | undefined> {
  return (await readTrackingClaim(trackingNumber))?.shipment;
}

/** Every shipment of an order, oldest first (one Query; more pages only past 1 MB). */
export async function orderShipments(orderId: string): Promise<ShipmentRecord[]> {
  const shipments: ShipmentRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': orderKey(orderId).pk, ':prefix': SHIPMENT_PREFIX },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    shipments.push(...(result.Items ?? []).map(toShipmentRecord));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return shipments;
}

export interface ShipmentListFilter {
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly orderId?: string | undefined;
  readonly trackingNumber?: string | undefined;
  /** Customers: only shipments of their own orders. */
  readonly userId?: string | undefined;
}

/** Newest first. See shipment.ts for which index serves which filter. */
export async function listShipments(filter: ShipmentListFilter): Promise<Page<ShipmentRecord>> {
  const mine = (shipment: ShipmentRecord) =>
    (filter.userId === undefined || shipment.userId === filter.userId) && (filter.orderId === undefined || shipment.orderId === filter.orderId);
  if (filter.trackingNumber !== undefined) {
    // At most one match: never a next page, so any cursor here is one this query didn't issue.
    decodeCursor(filter.cursor, `shipments:tracking:${filter.trackingNumber}`);
    const shipment = await findShipmentByTrackingNumber(filter.trackingNumber);
    return { items: shipment && mine(shipment) ? [shipment] : [], nextCursor: null, reads: 1, scanned: shipment ? 1 : 0 };
  }
  const common = { limit: filter.limit, cursor: filter.cursor };
  const byUser = filter.userId !== undefined;
  if (filter.orderId !== undefined) {
    const page = await queryPage({
      query: {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ...(byUser ? { FilterExpression: 'userId = :userId' } : {}),
        ExpressionAttributeValues: { ':pk': orderKey(filter.orderId).pk, ':prefix': SHIPMENT_PREFIX, ...(byUser ? { ':userId': filter.userId } : {}) },
        ScanIndexForward: false,
      },
      keyAttributes: ['pk', 'sk'],
      scope: `shipments:order:${filter.orderId}:${filter.userId ?? '*'}`,
      ...common,
    });
    return { ...page, items: page.items.map(toShipmentRecord) };
  }
  const index = byUser ? 'gsi2' : 'gsi1';
  const partitions = byUser ? [userShipmentsPartition(filter.userId!)] : ALL_SHIPMENTS_PARTITIONS;
  const page = await queryShards({ index, partitions, descending: true, scope: `shipments:${partitions[0]}`, ...common });
  return { ...page, items: page.items.map(toShipmentRecord) };
}

function shipmentWrites(shipment: ShipmentRecord): TransactItems {
  const sortKey = `${shipment.createdAt}#${shipment.id}`;
  return [
    {
      Put: {
        TableName: tableName,
        Item: {
          ...shipmentKey(shipment.orderId, shipment.id),
          type: 'shipment',
          ...shipment,
          gsi1pk: allShipmentsPartition(shipment.id),
          gsi1sk: sortKey,
          gsi2pk: userShipmentsPartition(shipment.userId),
          gsi2sk: sortKey,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...trackingKey(shipment.trackingNumber), type: 'trackingNumber', orderId: shipment.orderId, shipmentId: shipment.id, shipment: copyOf(shipment) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

export interface OrderMove {
  readonly order: OrderRecord;
  readonly from: OrderRecord['status'];
  readonly note: string;
}

/**
 * Creates a shipment (label_created) with its tracking-number claim. An order that is `paid`
 * or `processing` moves to `shipped` in the same transaction (the first shipment); a
 * `shipped` order takes more shipments without a status change (conditioned on still being
 * shipped); any other status is 409 INVALID_TRANSITION. Concurrent first shipments: one
 * moves the order, the others see it shipped and are added as later shipments.
 */
export async function createShipment(input: { orderId: string; carrier: string; trackingNumber: string; by: string }): Promise<{ shipment: ShipmentRecord; orderMove?: OrderMove }> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const order = await findOrder(input.orderId);
    if (!order) throw new NotFoundError('Order');
    const now = new Date().toISOString();
    const shipment: ShipmentRecord = {
      id: nextShipmentId(),
      orderId: order.id,
      userId: order.userId,
      carrier: input.carrier,
      trackingNumber: input.trackingNumber,
      status: 'label_created',
      checkpoints: [],
      createdAt: now,
      updatedAt: now,
    };
    if (order.status === 'shipped') {
      const stillShipped: TransactItem = {
        ConditionCheck: {
          TableName: tableName,
          Key: orderKey(order.id),
          ConditionExpression: '#status = :shipped',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':shipped': 'shipped' },
        },
      };
      try {
        await transactWrite([stillShipped, ...shipmentWrites(shipment)], { beforeRetry: failWhenTrackingNumberTaken(input.trackingNumber) });
        return { shipment };
      } catch (error) {
        if (!(error instanceof TransactionCancelled)) throw error;
        if (error.failedAt(2)) throw new TrackingNumberTakenError(input.trackingNumber);
        continue; // the order moved on meanwhile (delivered): decide again
      }
    }
    if (!canTransition(order.status, 'shipped', 'admin')) throw new InvalidTransitionError(order.status, 'shipped');
    const note = `Shipped with ${input.carrier}, tracking number ${input.trackingNumber}`;
    try {
      const moved = await changeOrderStatus({
        orderId: order.id,
        order,
        to: 'shipped',
        actor: 'admin',
        by: input.by,
        note,
        extraItems: () => shipmentWrites(shipment),
        beforeRetry: failWhenTrackingNumberTaken(input.trackingNumber),
      });
      return { shipment, orderMove: { ...moved, note } };
    } catch (error) {
      if (error instanceof TransactionCancelled && error.failedAt(statusChangeItemCount(order, 'shipped') + 1)) {
        throw new TrackingNumberTakenError(input.trackingNumber);
      }
      // A concurrent first shipment moved the order to shipped: decide again (a later shipment).
      if (error instanceof InvalidTransitionError) continue;
      throw error;
    }
  }
  throw new ConflictError('The order is changing concurrently; try again');
}

/**
 * Moves a shipment along its state machine and/or appends a checkpoint, conditioned on the
 * status it was read with. `delivered` for the order's last undelivered shipment moves a
 * `shipped` order to `delivered` in the same transaction; the other shipments' statuses are
 * condition-checked, so two shipments delivered at once can't both miss being the last.
 */
export async function updateShipment(input: { trackingNumber: string; change: UpdateShipmentInput; by: string }): Promise<{ shipment: ShipmentRecord; from: ShipmentStatus; orderMove?: OrderMove }> {
  const { status: to, checkpoint: checkpointInput } = input.change;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const claim = await readTrackingClaim(input.trackingNumber);
    if (!claim) throw new NotFoundError('Shipment');
    const { shipment } = claim;
    if (to !== undefined && !canShipmentTransition(shipment.status, to)) throw new ShipmentTransitionError(shipment.status, to);
    if (checkpointInput && shipment.checkpoints.length >= MAX_CHECKPOINTS) {
      throw new ConflictError(`A shipment holds at most ${MAX_CHECKPOINTS} checkpoints`, { max: MAX_CHECKPOINTS });
    }
    const now = new Date().toISOString();
    const checkpoint: Checkpoint | undefined = checkpointInput
      ? { location: checkpointInput.location, description: checkpointInput.description, at: checkpointInput.at ?? now }
      : undefined;
    // The same changes for the shipment item and (under `shipment.`) the claim's copy.
    const changes = (at: '' | 'shipment.') => [
      `${at}updatedAt = :now`,
      ...(to ? [`${at}#status = :to`] : []),
      ...(checkpoint ? [`${at}checkpoints = list_append(${at}checkpoints, :checkpoint)`] : []),
    ];
    const sets = changes('');
    const update: TransactItem = {
      Update: {
        TableName: tableName,
        Key: shipmentKey(shipment.orderId, shipment.id),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `#status = :from${checkpoint ? ' AND size(checkpoints) < :max' : ''}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':now': now,
          ':from': shipment.status,
          ...(to ? { ':to': to } : {}),
          ...(checkpoint ? { ':checkpoint': [checkpoint], ':max': MAX_CHECKPOINTS } : {}),
        },
      },
    };
    const updated: ShipmentRecord = { ...shipment, status: to ?? shipment.status, checkpoints: checkpoint ? [...shipment.checkpoints, checkpoint] : shipment.checkpoints, updatedAt: now };
    // The claim's copy changes with the item, by the same expressions (concurrent checkpoints
    // append to both); a claim without a copy yet gets the whole updated shipment, once.
    const copyUpdate: TransactItem = {
      Update: claim.copied
        ? {
            TableName: tableName,
            Key: trackingKey(shipment.trackingNumber),
            UpdateExpression: `SET ${changes('shipment.').join(', ')}`,
            ConditionExpression: 'shipment.#status = :from',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':now': now, ':from': shipment.status, ...(to ? { ':to': to } : {}), ...(checkpoint ? { ':checkpoint': [checkpoint] } : {}) },
          }
        : {
            TableName: tableName,
            Key: trackingKey(shipment.trackingNumber),
            UpdateExpression: 'SET shipment = :shipment',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(shipment)',
            ExpressionAttributeValues: { ':shipment': copyOf(updated) },
          },
    };
    let guards: TransactItems = [];
    let lastDelivery = false;
    if (to === 'delivered') {
      const others = (await orderShipments(shipment.orderId)).filter((other) => other.id !== shipment.id);
      guards = others.map((other) => ({
        ConditionCheck: {
          TableName: tableName,
          Key: shipmentKey(other.orderId, other.id),
          ConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': other.status },
        },
      }));
      lastDelivery = others.every((other) => other.status === 'delivered');
    }
    try {
      const order = lastDelivery ? await findOrder(shipment.orderId) : undefined;
      if (order?.status === 'shipped') {
        const note = `Delivered by ${shipment.carrier}, tracking number ${shipment.trackingNumber}`;
        const moved = await changeOrderStatus({ orderId: order.id, order, to: 'delivered', actor: 'admin', by: input.by, note, extraItems: () => [update, copyUpdate, ...guards] });
        return { shipment: updated, from: shipment.status, orderMove: { ...moved, note } };
      }
      // Not the last delivery, or the order is already delivered (an admin moved it by hand).
      await transactWrite([update, copyUpdate, ...guards]);
      return { shipment: updated, from: shipment.status };
    } catch (error) {
      // The shipment, another shipment or the order changed meanwhile: decide again.
      if (error instanceof TransactionCancelled || error instanceof InvalidTransitionError) continue;
      throw error;
    }
  }
  throw new ConflictError('The shipment is changing concurrently; try again');
}
