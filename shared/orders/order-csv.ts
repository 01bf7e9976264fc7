/**
 * The orders CSV a shop owner opens in a spreadsheet (issue 12.9): who ordered (email, name),
 * what (item count, a line summary), and money in major units (`25.00`) next to its currency.
 * Every value that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`
 * (csv-stringify's `escape_formulas`), so a product or customer name can never run in Excel.
 */
import { stringify } from 'csv-stringify/sync';
import { majorUnits } from '../money.js';
import type { OrderRecord } from './order.js';

export { majorUnits };

export const ORDER_CSV_HEADER = [
  'Order ID',
  'Created at (UTC)',
  'Status',
  'Payment status',
  'Customer email',
  'Customer name',
  'Customer ID',
  'Currency',
  'Total',
  'Amount paid',
  'Amount due',
  'Item count',
  'Lines',
  'Items',
  'Ship to country',
] as const;

/** `2 × Blue mug; 1 × Cup` */
export const lineSummary = (items: OrderRecord['items']) => items.map((line) => `${line.quantity} × ${line.name}`).join('; ');

export type CustomerContact = { readonly name: string; readonly email: string };

export function orderCsvRow(order: OrderRecord, customer: CustomerContact | undefined): string[] {
  return [
    order.id,
    order.createdAt,
    order.status,
    order.paymentStatus,
    customer?.email ?? '',
    customer?.name ?? '',
    order.userId,
    order.currency.toUpperCase(),
    majorUnits(order.total, order.currency),
    majorUnits(order.amountPaid, order.currency),
    majorUnits(order.amountDue, order.currency),
    String(order.items.reduce((units, line) => units + line.quantity, 0)),
    String(order.items.length),
    lineSummary(order.items),
    order.shippingAddress.country,
  ];
}

export const orderCsvHeader = () => stringify([[...ORDER_CSV_HEADER]], { escape_formulas: true });

export const orderCsvRows = (orders: readonly OrderRecord[], customers: ReadonlyMap<string, CustomerContact>) =>
  stringify(
    orders.map((order) => orderCsvRow(order, customers.get(order.userId))),
    { escape_formulas: true },
  );
