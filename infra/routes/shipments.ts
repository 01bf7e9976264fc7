import {
  createShipmentBodySchema,
  listShipmentsQuerySchema,
  shipmentListSchema,
  shipmentSchema,
  trackingNumberPathSchema,
  updateShipmentBodySchema,
} from '../../shared/schemas/shipments.js';
import type { RouteDefinition } from '../route-types.js';

export const shipmentRoutes = {
  createShipment: {
    method: 'POST', path: '/shipments', handler: 'functions/shipments/create.ts', auth: 'admin',
    // The order (status move to shipped or still-shipped check, index item), the shipment in its
    // partition, the tracking-number claim.
    access: { table: { mode: 'write', keys: ['ORDER#*', 'TRACKING#*'] }, sendTo: ['orderEvents'] },
    summary: 'Create a shipment (order paid, processing or shipped; the first one moves the order to shipped)', tag: 'Shipments',
    errors: [404, 409],
    schemas: { body: createShipmentBodySchema, response: { status: 201, schema: shipmentSchema } },
  },
  listShipments: {
    method: 'GET', path: '/shipments', handler: 'functions/shipments/list.ts', auth: 'user',
    // By tracking number (claim, then shipment), by order (its partition), everyone's on gsi1's
    // shards, a customer's on gsi2.
    access: { table: { mode: 'read', keys: ['TRACKING#*', 'ORDER#*'], indexKeys: { gsi1: ['SHIPMENTS#*'], gsi2: ['USER#*#SHIPMENTS'] } } }, summary: 'Shipments, newest first (customers: of their own orders)', tag: 'Shipments',
    schemas: { query: listShipmentsQuerySchema, response: { status: 200, schema: shipmentListSchema } },
  },
  getShipment: {
    method: 'GET', path: '/shipments/{trackingNumber}', handler: 'functions/shipments/get.ts', auth: 'user',
    // The tracking-number claim, which carries a copy of the shipment; a claim written before the
    // copy existed points to the shipment in its order's partition.
    access: { table: { mode: 'read', keys: ['TRACKING#*', 'ORDER#*'] } }, summary: 'One shipment with its checkpoints (owner or admin)', tag: 'Shipments', errors: [404],
    schemas: { path: trackingNumberPathSchema, response: { status: 200, schema: shipmentSchema } },
  },
  updateShipment: {
    method: 'PATCH', path: '/shipments/{trackingNumber}', handler: 'functions/shipments/update.ts', auth: 'admin',
    // The claim, the shipment and its order's other shipments and the order (last delivery).
    access: { table: { mode: 'write', keys: ['TRACKING#*', 'ORDER#*'] }, sendTo: ['orderEvents'] },
    summary: 'Move a shipment along its state machine and/or append a checkpoint (delivered → order delivered)', tag: 'Shipments',
    errors: [404, 409],
    schemas: { path: trackingNumberPathSchema, body: updateShipmentBodySchema, response: { status: 200, schema: shipmentSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
