import { describe, expect, it } from 'vitest';
import {
  createShipmentBodySchema,
  listShipmentsQuerySchema,
  trackingNumberPathSchema,
  updateShipmentBodySchema,
} from '../../shared/schemas/shipments.js';

describe('shipment schemas', () => {
  it('tracking numbers are normalised: upper case, spaces and dashes dropped', () => {
    expect(createShipmentBodySchema.parse({ orderId: 'o1', carrier: ' UPS ', trackingNumber: ' 1z 999-aa1 ' })).toEqual({ orderId: 'o1', carrier: 'UPS', trackingNumber: '1Z999AA1' });
    expect(trackingNumberPathSchema.parse({ trackingNumber: '1z-999-aa1' })).toEqual({ trackingNumber: '1Z999AA1' });
    expect(listShipmentsQuerySchema.parse({ trackingNumber: 'ab cd 12' })).toEqual({ limit: 20, trackingNumber: 'ABCD12' });
  });

  it.each([
    ['too short', 'ab1'],
    ['punctuation', '1Z/999'],
    ['only separators', ' - - '],
    ['too long', 'A'.repeat(41)],
    ['not a string', 12345],
  ])('rejects a tracking number: %s', (_, trackingNumber) => {
    expect(createShipmentBodySchema.safeParse({ orderId: 'o1', carrier: 'UPS', trackingNumber }).success).toBe(false);
  });

  it('create: every field required, unknown fields refused (no client status)', () => {
    expect(createShipmentBodySchema.safeParse({ orderId: 'o1', trackingNumber: '1Z999AA1' }).success).toBe(false);
    expect(createShipmentBodySchema.safeParse({ orderId: 'o1', carrier: '', trackingNumber: '1Z999AA1' }).success).toBe(false);
    expect(createShipmentBodySchema.safeParse({ carrier: 'UPS', trackingNumber: '1Z999AA1' }).success).toBe(false);
    expect(createShipmentBodySchema.safeParse({ orderId: 'o1', carrier: 'UPS', trackingNumber: '1Z999AA1', status: 'delivered' }).success).toBe(false);
  });

  it('update: a status, a checkpoint or both; checkpoint time normalised to UTC; unknown statuses and fields refused', () => {
    expect(updateShipmentBodySchema.parse({ status: 'in_transit' })).toEqual({ status: 'in_transit' });
    expect(updateShipmentBodySchema.parse({ checkpoint: { location: ' Memphis ', description: 'Departed', at: '2026-05-01T10:00:00+02:00' } })).toEqual({
      checkpoint: { location: 'Memphis', description: 'Departed', at: '2026-05-01T08:00:00.000Z' },
    });
    expect(updateShipmentBodySchema.parse({ status: 'delivered', checkpoint: { location: 'Door', description: 'Left at the door' } })).toMatchObject({ status: 'delivered' });
    for (const body of [
      {},
      { status: 'lost' },
      { status: 'in_transit', note: 'x' },
      { checkpoint: { location: 'X' } },
      { checkpoint: { location: 'X', description: 'Y', at: 'yesterday' } },
      { checkpoint: { location: 'X', description: 'Y', extra: 1 } },
      { checkpoint: { location: '', description: 'Y' } },
    ]) {
      expect(updateShipmentBodySchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });

  it('list: limit 1..100 (default 20); unknown filters refused', () => {
    expect(listShipmentsQuerySchema.parse({ limit: '5', orderId: 'o1' })).toEqual({ limit: 5, orderId: 'o1' });
    expect(listShipmentsQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(listShipmentsQuerySchema.safeParse({ limit: '101' }).success).toBe(false);
    expect(listShipmentsQuerySchema.safeParse({ status: 'delivered' }).success).toBe(false);
  });
});
