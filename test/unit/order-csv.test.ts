/**
 * Issue 12.9: the orders CSV a shop owner can use: customer email and name, item count and a
 * line summary, money in major units next to a currency column, and formula-injection escaping
 * for every free-text column (customer name and email, the item summary, the country).
 */
import { describe, expect, it } from 'vitest';
import { lineSummary, majorUnits, ORDER_CSV_HEADER, orderCsvHeader, orderCsvRows } from '../../shared/orders/order-csv.js';
import type { OrderRecord } from '../../shared/orders/order.js';

const order = (fields: Partial<OrderRecord> = {}): OrderRecord =>
  ({
    id: 'ORD1',
    userId: 'U1',
    status: 'paid',
    paymentStatus: 'completed',
    items: [
      { productId: 'P1', name: 'Blue mug', unitPrice: 1250, quantity: 2, lineTotal: 2500 },
      { productId: 'P2', name: 'Cup', unitPrice: 999, quantity: 1, lineTotal: 999 },
    ],
    total: 3499,
    amountPaid: 3499,
    amountDue: 0,
    currency: 'usd',
    shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    statusHistory: [],
    createdAt: '2026-05-01T10:00:00.000Z',
    updatedAt: '2026-05-01T10:00:00.000Z',
    stockOwned: true,
    ...fields,
  }) as OrderRecord;

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF). */
function rowsOf(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i += 1) {
    const char = csv[i]!;
    if (quoted) {
      if (char === '"' && csv[i + 1] === '"') (field += '"'), (i += 1);
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') row.push(field), (field = '');
    else if (char === '\n' || (char === '\r' && csv[i + 1] === '\n')) {
      if (char === '\r') i += 1;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += char;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('orders CSV', () => {
  it('header: customer, counts, a line summary and a currency column', () => {
    expect(rowsOf(orderCsvHeader())).toEqual([[...ORDER_CSV_HEADER]]);
    expect(ORDER_CSV_HEADER).toEqual(expect.arrayContaining(['Customer email', 'Customer name', 'Currency', 'Total', 'Item count', 'Items']));
  });

  it('one row per order: customer, major units with the currency, item count, line summary', () => {
    const customers = new Map([['U1', { name: 'Ann Smith', email: 'ann@example.com' }]]);
    const [row] = rowsOf(orderCsvRows([order()], customers));
    const byColumn = Object.fromEntries(ORDER_CSV_HEADER.map((name, i) => [name, row![i]]));
    expect(byColumn).toEqual({
      'Order ID': 'ORD1',
      'Created at (UTC)': '2026-05-01T10:00:00.000Z',
      Status: 'paid',
      'Payment status': 'completed',
      'Customer email': 'ann@example.com',
      'Customer name': 'Ann Smith',
      'Customer ID': 'U1',
      Currency: 'USD',
      Total: '34.99',
      'Amount paid': '34.99',
      'Amount due': '0.00',
      'Item count': '3',
      Lines: '2',
      Items: '2 × Blue mug; 1 × Cup',
      'Ship to country': 'US',
    });
  });

  it('a deleted customer leaves email and name empty', () => {
    const [row] = rowsOf(orderCsvRows([order()], new Map()));
    expect(row!.slice(4, 7)).toEqual(['', '', 'U1']);
  });

  it('major units follow the currency (2 digits for usd/eur, none for jpy)', () => {
    expect(majorUnits(2500, 'usd')).toBe('25.00');
    expect(majorUnits(5, 'eur')).toBe('0.05');
    expect(majorUnits(123456, 'usd')).toBe('1234.56');
    expect(majorUnits(2500, 'jpy')).toBe('2500');
    expect(lineSummary([{ productId: 'p', name: 'Mug', unitPrice: 1, quantity: 4, lineTotal: 4 }])).toBe('4 × Mug');
  });

  it.each(['=HYPERLINK("http://evil")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])('escapes formula-looking free text %j in every free-text column', (evil) => {
    const customers = new Map([['U1', { name: evil, email: evil }]]);
    const hostile = order({
      items: [{ productId: 'P1', name: evil, unitPrice: 100, quantity: 1, lineTotal: 100 }],
      shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: evil },
    });
    const [row] = rowsOf(orderCsvRows([hostile], customers));
    const cell = (name: (typeof ORDER_CSV_HEADER)[number]) => row![ORDER_CSV_HEADER.indexOf(name)]!;
    for (const name of ['Customer email', 'Customer name', 'Ship to country'] as const) expect(cell(name)).toBe(`'${evil}`);
    // The summary starts with the quantity, so a hostile product name inside it can't start a formula.
    expect(cell('Items')).toBe(`1 × ${evil}`);
    for (const value of row!) expect(value).not.toMatch(/^[=+\-@\t\r]/);
  });
});
