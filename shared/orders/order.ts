import type { PaymentStatus } from '../payments/payment-status.js';
import type { OrderStatus } from './order-status.js';

export interface OrderLine {
  readonly productId: string;
  readonly name: string;
  readonly unitPrice: number;
  readonly quantity: number;
  readonly lineTotal: number;
}

export interface StatusChange {
  readonly status: OrderStatus;
  readonly at: string;
  readonly by: string;
  readonly note?: string;
}

export interface ShippingAddress {
  readonly line1: string;
  readonly line2?: string | undefined;
  readonly city: string;
  readonly postalCode: string;
  readonly country: string;
}

export interface OrderRecord {
  readonly id: string;
  readonly userId: string;
  readonly status: OrderStatus;
  readonly paymentStatus: PaymentStatus;
  readonly items: readonly OrderLine[];
  readonly total: number;
  readonly amountPaid: number;
  readonly amountDue: number;
  readonly currency: string;
  readonly shippingAddress: ShippingAddress;
  readonly statusHistory: readonly StatusChange[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly stockOwned: boolean;
  readonly requestHash?: string;
  /** Epoch ms after which the idempotency key no longer replays this order. */
  readonly idempotencyExpiresAt?: number;
  /** Counted in its customer's unpaid orders (placed with the cap): leaving pending/failed decrements it, once. */
  readonly countsAsUnpaid?: boolean;
  /** Bumped by every payment or refund written (shared/payments): ledger writes serialize on it. */
  readonly paymentVersion?: number;
  readonly amountRefunded?: number;
  /** Net received beyond the total (flagged overpayment). */
  readonly overpaidBy?: number;
}

export const toOrderRecord = (item: Record<string, unknown>): OrderRecord => item as unknown as OrderRecord;

export function toPublicOrder(order: OrderRecord) {
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    paymentStatus: order.paymentStatus,
    items: order.items.map((line) => ({ ...line })),
    total: order.total,
    amountPaid: order.amountPaid,
    amountDue: order.amountDue,
    amountRefunded: order.amountRefunded ?? 0,
    currency: order.currency,
    shippingAddress: order.shippingAddress,
    statusHistory: order.statusHistory.map((change) => ({ ...change })),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}
export type PublicOrder = ReturnType<typeof toPublicOrder>;
