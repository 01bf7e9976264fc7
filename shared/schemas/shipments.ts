import * as z from 'zod';
import { normaliseTrackingNumber } from '../shipments/shipment.js';
import { describeShipmentMoves, SHIPMENT_STATUSES } from '../shipments/shipment-status.js';
import { cursorSchema, limitSchema, listOf } from './common.js';
import { singleLineText } from './text.js';
import { instantSchema } from './time-range.js';

export const shipmentStatusSchema = z.enum(SHIPMENT_STATUSES);

/** Spaces and dashes are ignored and letters upper-cased: `1z 999-aa1` is `1Z999AA1`. */
export const trackingNumberSchema = z
  .string()
  .max(80)
  .transform(normaliseTrackingNumber)
  .pipe(z.string().regex(/^[A-Z0-9]{4,40}$/, 'must be 4 to 40 letters and digits (spaces and dashes are ignored)'));

const orderIdSchema = z.string().min(1).max(64);

export const createShipmentBodySchema = z
  .object({
    orderId: orderIdSchema,
    carrier: singleLineText().min(1).max(64),
    trackingNumber: trackingNumberSchema,
  })
  .strict();
export type CreateShipmentInput = z.output<typeof createShipmentBodySchema>;

export const checkpointInputSchema = z
  .object({
    location: singleLineText().min(1).max(200),
    description: singleLineText().min(1).max(500),
    /** When the carrier saw it; default: now. */
    at: instantSchema.transform((at) => new Date(at).toISOString()).optional(),
  })
  .strict();

export const updateShipmentBodySchema = z
  .object({
    status: shipmentStatusSchema
      .optional()
      .describe(`The carrier's new status. Legal moves (anything else is 409 INVALID_TRANSITION): ${describeShipmentMoves()}. delivered on the order's last undelivered shipment moves the order to delivered.`),
    checkpoint: checkpointInputSchema.optional(),
  })
  .strict()
  .refine((body) => body.status !== undefined || body.checkpoint !== undefined, { message: 'give a status, a checkpoint or both' });
export type UpdateShipmentInput = z.output<typeof updateShipmentBodySchema>;

export const trackingNumberPathSchema = z.object({ trackingNumber: trackingNumberSchema }).strict();

export const listShipmentsQuerySchema = z
  .object({ limit: limitSchema, cursor: cursorSchema, orderId: orderIdSchema.optional(), trackingNumber: trackingNumberSchema.optional() })
  .strict();
export type ListShipmentsQuery = z.output<typeof listShipmentsQuerySchema>;

export const shipmentSchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    carrier: z.string(),
    trackingNumber: z.string(),
    status: shipmentStatusSchema,
    checkpoints: z.array(z.object({ location: z.string(), description: z.string(), at: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Shipment' });
export const shipmentListSchema = listOf(shipmentSchema).meta({ id: 'ShipmentList' });
