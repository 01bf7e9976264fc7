/**
 * Reminder and alert emails (HTML escaped, text part, links), the processor's reactions to the
 * schedule events, and the schedule list's shape and least-privilege access.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { rateToMs } from '../../infra/local/scheduler.js';
import { schedules } from '../../infra/schedules.js';
import { handler as processor } from '../../functions/events/process-order-events.js';
import {
  fulfilmentReminderAdminEmail,
  fulfilmentReminderCustomerEmail,
  lowStockAlertEmail,
  paymentReminderEmail,
} from '../../shared/emails/templates.js';

const evil = '<script>alert("x")</script>';
const order = {
  id: 'ORD1',
  items: [{ name: `Mug ${evil}`, quantity: 2, unitPrice: 1250, lineTotal: 2500 }],
  total: 2500,
  currency: 'usd',
  status: 'paid',
  shippingAddress: { line1: `1 ${evil} Road`, city: 'Ghent', postalCode: '9000', country: 'BE' },
};
const url = 'http://localhost:5173/orders/ORD1';

describe('reminder and alert templates', () => {
  const emails = {
    payment: paymentReminderEmail({ name: evil, order, orderUrl: url, payBefore: '2026-05-01T11:15:00.000Z' }),
    customer: fulfilmentReminderCustomerEmail({ name: evil, order, orderUrl: url }),
    admin: fulfilmentReminderAdminEmail({ order, customer: { name: evil, email: 'ann@example.com' }, waitingSince: '2026-04-30T09:00:00.000Z', orderUrl: url }),
    lowStock: lowStockAlertEmail({ productId: 'P1', name: `Mug ${evil}`, stock: 2, threshold: 5, productUrl: 'http://localhost:5173/products/P1' }),
  };

  for (const [kind, email] of Object.entries(emails)) {
    it(`${kind}: escapes every value in the HTML part and keeps the text part plain`, () => {
      expect(email.html).not.toContain('<script>');
      expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(email.text).toContain(evil);
      expect(email.subject.length).toBeGreaterThan(0);
    });
  }

  it('payment reminder: order lines, total, deadline and the order link', () => {
    const { subject, html, text } = emails.payment;
    expect(subject).toBe('Your order ORD1 is waiting for payment');
    for (const part of [html, text]) {
      expect(part).toContain('$12.50');
      expect(part).toContain('$25.00');
      expect(part).toContain('1 May 2026, 11:15 UTC');
      expect(part).toContain(url);
    }
    expect(html).toContain(`href="${url}"`);
  });

  it("fulfilment reminders: the customer's says we're preparing it; the admin's says since when it waits", () => {
    expect(emails.customer.subject).toBe("We're preparing your order ORD1");
    expect(emails.customer.text).toContain("we're preparing order ORD1");
    expect(emails.admin.subject).toBe('Order ORD1 waits for fulfilment');
    expect(emails.admin.text).toContain('Order ORD1 (paid) waits for fulfilment since 30 Apr 2026, 09:00 UTC.');
    expect(emails.admin.text).toContain('ann@example.com');
    expect(emails.admin.text).toContain('Ship to: 1 <script>alert("x")</script> Road, 9000 Ghent, BE');
  });

  it('low-stock alert: name, stock and threshold', () => {
    expect(emails.lowStock.subject).toBe(`Low stock: Mug ${evil} (2 left)`);
    expect(emails.lowStock.text).toContain(`Mug ${evil} is down to 2 in stock, at or below its low-stock threshold of 5.`);
    expect(emails.lowStock.text).toContain('http://localhost:5173/products/P1');
  });
});

describe('processor reactions to schedule events', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const ses = mockClient(SESv2Client);
  const record = (body: unknown): SQSRecord => ({
    messageId: 'm1',
    receiptHandle: 'rh',
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:0:order-events',
    awsRegion: 'us-east-1',
  });
  const storedOrder = (status: string) => ({
    ...order,
    userId: 'u1',
    status,
    paymentStatus: 'pending',
    amountPaid: 0,
    amountDue: 2500,
    statusHistory: [],
    createdAt: '2026-05-01T11:00:00.000Z',
    updatedAt: '2026-05-01T11:00:00.000Z',
    stockOwned: true,
  });
  const recipients = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Destination?.ToAddresses?.[0]);

  beforeEach(() => {
    ddb.reset();
    ses.reset();
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'USER#u1', sk: 'PROFILE' } }).resolves({ Item: { id: 'u1', email: 'ann@example.com', name: 'Ann', role: 'customer' } });
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  });

  it('product.low_stock emails ADMIN_EMAIL', async () => {
    const data = { productId: 'P1', name: 'Mug', stock: 2, threshold: 5, alertedAt: '2026-05-01T12:00:00.000Z' };
    expect(await processor({ Records: [record({ type: 'product.low_stock', id: 'low-stock:P1:x', occurredAt: 'now', data })] })).toEqual({ batchItemFailures: [] });
    expect(recipients()).toEqual([process.env.ADMIN_EMAIL]);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content?.Simple?.Subject?.Data).toBe('Low stock: Mug (2 left)');
  });

  it('order.payment_reminder emails the customer while the order is pending, and nobody once it is paid', async () => {
    const payBefore = new Date(Date.now() + 5 * 60_000).toISOString();
    const event = { type: 'order.payment_reminder', id: 'payment-reminder:ORD1', occurredAt: 'now', data: { orderId: 'ORD1', userId: 'u1', payBefore } };
    ddb.on(GetCommand, { Key: { pk: 'ORDER#ORD1', sk: 'ORDER' } }).resolves({ Item: storedOrder('pending') });
    await processor({ Records: [record(event)] });
    expect(recipients()).toEqual(['ann@example.com']);

    ses.resetHistory();
    ddb.on(GetCommand, { Key: { pk: 'ORDER#ORD1', sk: 'ORDER' } }).resolves({ Item: storedOrder('paid') });
    expect(await processor({ Records: [record(event)] })).toEqual({ batchItemFailures: [] });
    expect(recipients()).toEqual([]);
  });

  it('order.payment_reminder is dropped when its deadline is past or less than 2 minutes away (issue 12.3): never a past deadline', async () => {
    ddb.on(GetCommand, { Key: { pk: 'ORDER#ORD1', sk: 'ORDER' } }).resolves({ Item: storedOrder('pending') });
    for (const [i, offsetMs] of [-60_000, 0, 119_000].entries()) {
      const data = { orderId: 'ORD1', userId: 'u1', payBefore: new Date(Date.now() + offsetMs).toISOString() };
      expect(await processor({ Records: [record({ type: 'order.payment_reminder', id: `payment-reminder:late${i}`, occurredAt: 'now', data })] })).toEqual({ batchItemFailures: [] });
    }
    expect(recipients()).toEqual([]);
  });

  it('product.low_stock_summary: one email to ADMIN_EMAIL listing every product with its link (issue 12.5)', async () => {
    const products = [
      { productId: 'P1', name: 'Mug', stock: 0, threshold: 5 },
      { productId: 'P2', name: `Cup ${evil}`, stock: 3, threshold: 4 },
    ];
    const data = { alertedAt: '2026-05-01T12:00:00.000Z', products };
    expect(await processor({ Records: [record({ type: 'product.low_stock_summary', id: 'low-stock:x:P1', occurredAt: 'now', data })] })).toEqual({ batchItemFailures: [] });
    expect(recipients()).toEqual([process.env.ADMIN_EMAIL]);
    const content = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content!.Simple!;
    expect(content.Subject!.Data).toBe('Low stock: 2 products');
    expect(content.Body!.Text!.Data).toContain('- Mug: 0 left (threshold 5)');
    expect(content.Body!.Text!.Data).toContain('http://localhost:5173/products/P2');
    expect(content.Body!.Html!.Data).not.toContain('<script>');
  });

  it('order.fulfilment_reminder goes to the customer or to ADMIN_EMAIL, per its recipient', async () => {
    ddb.on(GetCommand, { Key: { pk: 'ORDER#ORD1', sk: 'ORDER' } }).resolves({ Item: storedOrder('processing') });
    const event = (recipient: string) => ({
      type: 'order.fulfilment_reminder',
      id: `fulfilment-reminder:ORD1:${recipient}`,
      occurredAt: 'now',
      data: { orderId: 'ORD1', userId: 'u1', recipient, waitingSince: '2026-04-30T09:00:00.000Z' },
    });
    await processor({ Records: [record(event('customer'))] });
    await processor({ Records: [record(event('admin'))] });
    expect(recipients()).toEqual(['ann@example.com', process.env.ADMIN_EMAIL]);
    const subjects = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Content?.Simple?.Subject?.Data);
    expect(subjects).toEqual(["We're preparing your order ORD1", 'Order ORD1 waits for fulfilment']);
  });
});

describe('the schedule list', () => {
  const byId = Object.fromEntries(schedules.map((s) => [s.id, s]));

  it('has the four jobs, each on a rate the local scheduler can run, each handler file present', () => {
    expect(Object.keys(byId).sort()).toEqual(['lowStockAlerts', 'releaseExpiredHolds', 'rollbackStaleOrders', 'sendReminders']);
    expect(byId.releaseExpiredHolds!.schedule).toBe('rate(1 minute)');
    expect(byId.rollbackStaleOrders!.schedule).toBe('rate(1 minute)');
    expect(byId.sendReminders!.schedule).toBe('rate(1 minute)');
    expect(byId.lowStockAlerts!.schedule).toBe('rate(1 hour)');
    for (const schedule of schedules) {
      expect(() => rateToMs(schedule.schedule)).not.toThrow();
      expect(existsSync(path.resolve(import.meta.dirname, '../..', schedule.handler))).toBe(true);
      // A run that outlives its interval would overlap the next on purpose only.
      expect(schedule.timeoutSeconds * 1000).toBeLessThan(rateToMs(schedule.schedule));
    }
  });

  it('grants each job only what it uses: hold release the table; jobs leading to emails also the order-events queue; none SES', () => {
    expect(byId.releaseExpiredHolds!.access).toEqual({ table: 'write' });
    expect(byId.rollbackStaleOrders!.access).toEqual({ table: 'write', sendTo: ['orderEvents'] });
    expect(byId.sendReminders!.access).toEqual({ table: 'write', sendTo: ['orderEvents'] });
    expect(byId.lowStockAlerts!.access).toEqual({ table: 'write', sendTo: ['orderEvents'] });
  });
});
