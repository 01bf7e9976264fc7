/**
 * The shipment state machine, table-driven over every (from, to) pair. The expected table
 * is written out here from API.md "Shipments" and the README, independently of
 * shipment-status.ts.
 */
import { describe, expect, it } from 'vitest';
import { canShipmentTransition, nextShipmentStatuses, SHIPMENT_STATUSES } from '../../shared/shipments/shipment-status.js';

const allowed = new Set([
  'label_created→in_transit',
  'in_transit→out_for_delivery',
  // Carriers skip out_for_delivery all the time (issue 11 item 10).
  'in_transit→delivered',
  'out_for_delivery→delivered',
  // A failed delivery attempt: back to the depot for a re-attempt.
  'out_for_delivery→in_transit',
  'label_created→exception',
  'in_transit→exception',
  'out_for_delivery→exception',
  'exception→in_transit',
  'exception→out_for_delivery',
  'exception→delivered',
]);

const cases = SHIPMENT_STATUSES.flatMap((from) => SHIPMENT_STATUSES.map((to) => [from, to, allowed.has(`${from}→${to}`)] as const));

describe('canShipmentTransition: every pair', () => {
  it('covers 5 × 5 pairs, 11 of them legal', () => {
    expect(cases).toHaveLength(25);
    expect(cases.filter(([, , ok]) => ok)).toHaveLength(11);
  });

  it.each(cases)('%s → %s: %s', (from, to, expected) => {
    expect(canShipmentTransition(from, to)).toBe(expected);
  });

  it('no status moves to itself; delivered is final; label_created is never re-entered', () => {
    for (const status of SHIPMENT_STATUSES) expect(canShipmentTransition(status, status)).toBe(false);
    expect(nextShipmentStatuses('delivered')).toEqual([]);
    for (const from of SHIPMENT_STATUSES) expect(canShipmentTransition(from, 'label_created')).toBe(false);
  });
});
