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
    access: { table: 'write', sendTo: ['orderEvents'] },
    summary: 'Create a shipment (order paid, processing or shipped; the first one moves the order to shipped)', tag: 'Shipments',
    errors: [404, 409],
    schemas: { body: createShipmentBodySchema, response: { status: 201, schema: shipmentSchema } },
  },
  listShipments: {
    method: 'GET', path: '/shipments', handler: 'functions/shipments/list.ts', auth: 'user',
    access: { table: 'read' }, summary: 'Shipments, newest first (customers: of their own orders)', tag: 'Shipments',
    schemas: { query: listShipmentsQuerySchema, response: { status: 200, schema: shipmentListSchema } },
  },
  getShipment: {
    method: 'GET', path: '/shipments/{trackingNumber}', handler: 'functions/shipments/get.ts', auth: 'user',
    access: { table: 'read' }, summary: 'One shipment with its checkpoints (owner or admin)', tag: 'Shipments', errors: [404],
    schemas: { path: trackingNumberPathSchema, response: { status: 200, schema: shipmentSchema } },
  },
  updateShipment: {
    method: 'PATCH', path: '/shipments/{trackingNumber}', handler: 'functions/shipments/update.ts', auth: 'admin',
    access: { table: 'write', sendTo: ['orderEvents'] },
    summary: 'Move a shipment along its state machine and/or append a checkpoint (delivered → order delivered)', tag: 'Shipments',
    errors: [404, 409],
    schemas: { path: trackingNumberPathSchema, body: updateShipmentBodySchema, response: { status: 200, schema: shipmentSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
