/**
 * Email templates: every email has a subject, an HTML part and a text part. Values are
 * HTML-escaped; nothing user-supplied is ever interpreted as markup. Customers never see an
 * internal status name (`ORDER_STATUS_WORDS`), and every date is written by `formatDateTime`
 * in the shop's time zone (SHOP_TIME_ZONE, default UTC).
 */
import { shopTimeZone } from '../app-config.js';
import { formatMoney } from '../money.js';
import type { OrderStatus } from '../orders/order-status.js';

export interface EmailContent {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

function layout(title: string, paragraphs: readonly string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const button = action
    ? `<p><a href="${escapeHtml(action.url)}" style="background:#111;color:#fff;padding:10px 16px;border-radius:4px;text-decoration:none">${escapeHtml(action.label)}</a></p>`
    : '';
  return `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5"><h1>${escapeHtml(title)}</h1>\n${body}\n${button}</body></html>`;
}

export function welcomeEmail(input: { name: string; shopUrl: string }): EmailContent {
  const lines = [`Hi ${input.name},`, 'Your account is ready. Happy shopping!'];
  return {
    subject: 'Welcome to the shop',
    html: layout('Welcome!', lines, { label: 'Visit the shop', url: input.shopUrl }),
    text: `${lines.join('\n\n')}\n\n${input.shopUrl}\n`,
  };
}

/**
 * The one date format of every email: `1 May 2026, 13:15 CEST`, in the shop's time zone.
 */
export function formatDateTime(iso: string, timeZone: string = shopTimeZone): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/**
 * What a customer reads for each order status: a short label (subjects, "now …") and a
 * sentence for the body. Typed over every status, so a new status cannot go out unworded.
 */
export const ORDER_STATUS_WORDS: Record<OrderStatus, { readonly label: string; readonly sentence: (orderId: string) => string }> = {
  pending: { label: 'waiting for payment', sentence: (id) => `Order ${id} is waiting for your payment.` },
  paid: { label: 'paid', sentence: (id) => `We received the payment for order ${id}.` },
  processing: { label: 'being prepared', sentence: (id) => `We're preparing order ${id}.` },
  shipped: { label: 'shipped', sentence: (id) => `Order ${id} has shipped.` },
  delivered: { label: 'delivered', sentence: (id) => `Order ${id} has been delivered.` },
  cancelled: { label: 'cancelled', sentence: (id) => `Order ${id} has been cancelled.` },
  failed: { label: 'payment failed', sentence: (id) => `The payment for order ${id} did not go through.` },
  pending_stock_rolledback: {
    label: 'cancelled: payment not received in time',
    sentence: (id) => `Order ${id} was cancelled because we did not receive the payment in time. Its items are back on sale; you are welcome to order again.`,
  },
  failed_stock_rolledback: {
    label: 'cancelled: payment failed',
    sentence: (id) => `Order ${id} was cancelled because its payment did not go through. Its items are back on sale; you are welcome to order again.`,
  },
};

/** The customer's words for a status; an unknown one (never expected) is spelled out plainly. */
export const statusLabel = (status: string) => (ORDER_STATUS_WORDS as Record<string, { label: string }>)[status]?.label ?? status.replace(/_/g, ' ');

export function passwordResetEmail(input: { name: string; resetUrl: string; expiresAt: string }): EmailContent {
  const lines = [
    `Hi ${input.name},`,
    'Someone asked to reset the password of your account. If it was you, use the link below; it works once and expires at ' +
      `${formatDateTime(input.expiresAt)}.`,
    'If it was not you, ignore this email: your password stays as it is.',
  ];
  return {
    subject: 'Reset your password',
    html: layout('Reset your password', lines, { label: 'Choose a new password', url: input.resetUrl }),
    text: `${lines.join('\n\n')}\n\n${input.resetUrl}\n`,
  };
}

export interface OrderSummary {
  readonly id: string;
  readonly items: readonly { name: string; quantity: number; unitPrice: number; lineTotal: number }[];
  readonly total: number;
  readonly currency: string;
  readonly status: string;
}

function orderTable(order: OrderSummary): { html: string; text: string } {
  const rows = order.items
    .map((l) => `<tr><td>${escapeHtml(l.name)}</td><td align="right">${l.quantity}</td><td align="right">${formatMoney(l.unitPrice, order.currency)}</td><td align="right">${formatMoney(l.lineTotal, order.currency)}</td></tr>`)
    .join('');
  const html = `<table cellpadding="4"><tr><th align="left">Item</th><th>Qty</th><th>Price</th><th>Total</th></tr>${rows}<tr><td colspan="3" align="right"><b>Total</b></td><td align="right"><b>${formatMoney(order.total, order.currency)}</b></td></tr></table>`;
  const text = [
    ...order.items.map((l) => `${l.quantity} x ${l.name} @ ${formatMoney(l.unitPrice, order.currency)} = ${formatMoney(l.lineTotal, order.currency)}`),
    `Total: ${formatMoney(order.total, order.currency)}`,
  ].join('\n');
  return { html, text };
}

function orderEmail(subject: string, title: string, lines: readonly string[], order: OrderSummary, orderUrl: string): EmailContent {
  const table = orderTable(order);
  const html = layout(title, lines, { label: 'View your order', url: orderUrl }).replace('</body>', `${table.html}</body>`);
  return { subject, html, text: `${lines.join('\n\n')}\n\n${table.text}\n\n${orderUrl}\n` };
}

export const orderReceivedEmail = (input: { name: string; order: OrderSummary; orderUrl: string }) =>
  orderEmail(`We received your order ${input.order.id}`, 'Thank you for your order', [`Hi ${input.name},`, `We received order ${input.order.id}. It is waiting for payment.`], input.order, input.orderUrl);

export const orderStatusEmail = (input: { name: string; order: OrderSummary; orderUrl: string; from: string; to: string; note?: string | undefined }) => {
  const words = (ORDER_STATUS_WORDS as Record<string, (typeof ORDER_STATUS_WORDS)[OrderStatus] | undefined>)[input.to];
  return orderEmail(
    `Your order ${input.order.id} is now ${statusLabel(input.to)}`,
    'Order update',
    [
      `Hi ${input.name},`,
      words ? words.sentence(input.order.id) : `Order ${input.order.id} is now ${statusLabel(input.to)}.`,
      ...(input.note ? [`Note: ${input.note}`] : []),
    ],
    input.order,
    input.orderUrl,
  );
};

const shipmentStatusWords: Record<string, string> = {
  label_created: 'has a shipping label and will be handed to the carrier soon',
  in_transit: 'is on its way',
  out_for_delivery: 'is out for delivery',
  delivered: 'has been delivered',
  exception: 'has a delivery problem; the carrier is working on it',
};

/** Short shipment status labels (subjects, "was …"). */
const shipmentStatusLabels: Record<string, string> = {
  label_created: 'ready to ship',
  in_transit: 'in transit',
  out_for_delivery: 'out for delivery',
  delivered: 'delivered',
  exception: 'delivery problem',
};
const shipmentLabel = (status: string) => shipmentStatusLabels[status] ?? status.replace(/_/g, ' ');

/** A shipment of the customer's order: new (no `from`) or a status change; carrier and tracking number always. */
export function shipmentUpdateEmail(input: { name: string; orderId: string; carrier: string; trackingNumber: string; from?: string | undefined; to: string; orderUrl: string }): EmailContent {
  const lines = [
    `Hi ${input.name},`,
    input.from
      ? `A shipment of order ${input.orderId} ${shipmentStatusWords[input.to] ?? `is now ${shipmentLabel(input.to)}`} (was ${shipmentLabel(input.from)}).`
      : `Another shipment of order ${input.orderId} is on its way to you: it ${shipmentStatusWords[input.to] ?? `is ${shipmentLabel(input.to)}`}.`,
    `Carrier: ${input.carrier}`,
    `Tracking number: ${input.trackingNumber}`,
  ];
  return {
    subject: input.from
      ? `Shipment ${input.trackingNumber} of order ${input.orderId}: ${shipmentLabel(input.to)}`
      : `New shipment ${input.trackingNumber} for order ${input.orderId}`,
    html: layout('Shipment update', lines, { label: 'View your order', url: input.orderUrl }),
    text: `${lines.join('\n\n')}\n\n${input.orderUrl}\n`,
  };
}

/** The order confirmation: sent once, when the order's payments reach `completed`. */
export const orderConfirmationEmail = (input: { name: string; order: OrderSummary; orderUrl: string; amountPaid: number }) =>
  orderEmail(
    `Order ${input.order.id} confirmed: payment received`,
    'Your order is confirmed',
    [
      `Hi ${input.name},`,
      `We received your payment of ${formatMoney(input.amountPaid, input.order.currency)} for order ${input.order.id}. Your order is confirmed and we'll let you know when it ships.`,
    ],
    input.order,
    input.orderUrl,
  );

// ---- Schedules: reminders and alerts ------------------------------------------------------


/** An order email with its own button label (admin emails link to the same order page). */
function orderEmailWithAction(subject: string, title: string, lines: readonly string[], order: OrderSummary, action: { label: string; url: string }): EmailContent {
  const table = orderTable(order);
  const html = layout(title, lines, action).replace('</body>', `${table.html}</body>`);
  return { subject, html, text: `${lines.join('\n\n')}\n\n${table.text}\n\n${action.url}\n` };
}

export const paymentReminderEmail = (input: { name: string; order: OrderSummary; orderUrl: string; payBefore: string }) =>
  orderEmailWithAction(
    `Your order ${input.order.id} is waiting for payment`,
    'Waiting for your payment',
    [
      `Hi ${input.name},`,
      `Order ${input.order.id} is still waiting for payment. Please pay before ${formatDateTime(input.payBefore)}: after that the order is released and its items go back on sale.`,
    ],
    input.order,
    { label: 'Pay for your order', url: input.orderUrl },
  );

/**
 * A card payment failed. With `retryUntil` (the payment window is open) the email links to
 * the order to pay again and says until when; without, the order is released.
 */
export const paymentFailedEmail = (input: { name: string; order: OrderSummary; orderUrl: string; reason: string; retryUntil?: string | undefined }) =>
  input.retryUntil
    ? orderEmailWithAction(
        `Payment for order ${input.order.id} did not go through`,
        'Your payment did not go through',
        [
          `Hi ${input.name},`,
          `The payment for order ${input.order.id} did not go through (${input.reason}). Nothing was charged.`,
          `Your order is still reserved: you can pay again, with the same or another card, until ${formatDateTime(input.retryUntil)}. After that the order is cancelled and its items go back on sale.`,
        ],
        input.order,
        { label: 'Pay again', url: input.orderUrl },
      )
    : orderEmailWithAction(
        `Payment for order ${input.order.id} did not go through`,
        'Your payment did not go through',
        [
          `Hi ${input.name},`,
          `The payment for order ${input.order.id} did not go through (${input.reason}). Nothing was charged.`,
          'The time to pay for this order is over, so it will be cancelled and its items go back on sale. You are welcome to order again.',
        ],
        input.order,
        { label: 'View your order', url: input.orderUrl },
      );

/** A refund issued by the shop (POST /orders/{id}/refunds): amount, reason, and that the order itself is unchanged. */
export const refundEmail = (input: { name: string; order: OrderSummary; orderUrl: string; amount: number; currency: string; reason: string }) =>
  orderEmailWithAction(
    `Refund of ${formatMoney(input.amount, input.currency)} for order ${input.order.id}`,
    'We refunded you',
    [
      `Hi ${input.name},`,
      `We refunded ${formatMoney(input.amount, input.currency)} of your payment for order ${input.order.id}. Reason: ${input.reason}.`,
      'Card refunds usually reach your account within 5 to 10 business days.',
    ],
    input.order,
    { label: 'View your order', url: input.orderUrl },
  );

/**
 * To the shop's admins: Stripe failed a refund it had accepted, so the money is back in the shop's
 * Stripe balance and the customer has nothing (the order's figures count it no longer). The
 * customer is not told automatically (see stripe-events.ts refundFailed).
 */
export const refundFailedAdminEmail = (input: {
  order: OrderSummary;
  orderUrl: string;
  amount: number;
  currency: string;
  failure: string;
  refundId: string | null;
  stripeRefundId: string;
  reason: string | null;
}) =>
  orderEmailWithAction(
    `Refund failed: ${formatMoney(input.amount, input.currency)} for order ${input.order.id}`,
    'A refund failed',
    [
      `Stripe reports that the refund of ${formatMoney(input.amount, input.currency)} for order ${input.order.id} failed (${input.failure.replace(/_/g, ' ')}). The money did not reach the customer; it is back in the shop's Stripe balance, and the order no longer counts it as refunded.`,
      input.refundId
        ? `Refund ${input.refundId} (Stripe ${input.stripeRefundId})${input.reason ? `, reason: ${input.reason}` : ''}.`
        : `Stripe refund ${input.stripeRefundId}, made outside this shop (Stripe dashboard).`,
      'The customer was told of the refund and has not been told it failed: refund again (a new request) or contact them about another way.',
    ],
    input.order,
    { label: 'Open the order', url: input.orderUrl },
  );

export const fulfilmentReminderCustomerEmail = (input: { name: string; order: OrderSummary; orderUrl: string }) =>
  orderEmailWithAction(
    `We're preparing your order ${input.order.id}`,
    "We're preparing your order",
    [`Hi ${input.name},`, `Thank you for your patience: we're preparing order ${input.order.id}. We'll email you again when it ships.`],
    input.order,
    { label: 'View your order', url: input.orderUrl },
  );

export const fulfilmentReminderAdminEmail = (input: {
  order: OrderSummary & { shippingAddress?: { line1: string; line2?: string | undefined; city: string; postalCode: string; country: string } };
  customer: { name: string; email: string } | undefined;
  waitingSince: string;
  orderUrl: string;
}) => {
  const address = input.order.shippingAddress;
  return orderEmailWithAction(
    `Order ${input.order.id} waits for fulfilment`,
    'Order waiting for fulfilment',
    [
      `Order ${input.order.id} (${statusLabel(input.order.status)}) waits for fulfilment since ${formatDateTime(input.waitingSince)}.`,
      input.customer ? `Customer: ${input.customer.name} <${input.customer.email}>` : 'Customer: account deleted',
      ...(address ? [`Ship to: ${[address.line1, address.line2, `${address.postalCode} ${address.city}`, address.country].filter(Boolean).join(', ')}`] : []),
    ],
    input.order,
    { label: 'Open the order', url: input.orderUrl },
  );
};

/**
 * One low-stock run's summary: every product that fell to or below its threshold since its
 * last alert, lowest stock first, each with a link to it.
 */
export function lowStockSummaryEmail(input: {
  products: readonly { productId: string; name: string; stock: number; threshold: number }[];
  productUrl: (productId: string) => string;
}): EmailContent {
  const count = input.products.length;
  const line = (p: (typeof input.products)[number]) => `${p.name}: ${p.stock} left (threshold ${p.threshold})`;
  const intro = `${count} ${count === 1 ? 'product is' : 'products are'} at or below the low-stock threshold:`;
  const note = 'Each product is listed once each time it falls to its threshold; restocking above it re-arms the alert.';
  const rows = input.products
    .map((p) => `<tr><td><a href="${escapeHtml(input.productUrl(p.productId))}">${escapeHtml(p.name)}</a></td><td align="right">${p.stock}</td><td align="right">${p.threshold}</td></tr>`)
    .join('');
  const table = `<table cellpadding="4"><tr><th align="left">Product</th><th>In stock</th><th>Threshold</th></tr>${rows}</table>`;
  return {
    subject: count === 1 ? `Low stock: ${input.products[0]!.name} (${input.products[0]!.stock} left)` : `Low stock: ${count} products`,
    html: layout('Low stock', [intro]).replace('</body>', `${table}<p>${escapeHtml(note)}</p></body>`),
    text: `${intro}\n\n${input.products.map((p) => `- ${line(p)}\n  ${input.productUrl(p.productId)}`).join('\n')}\n\n${note}\n`,
  };
}

export function lowStockAlertEmail(input: { productId: string; name: string; stock: number; threshold: number; productUrl: string }): EmailContent {
  const lines = [
    `${input.name} is down to ${input.stock} in stock, at or below its low-stock threshold of ${input.threshold}.`,
    `Product id: ${input.productId}`,
    'You get this alert once each time the product falls to its threshold; restocking above it re-arms the alert.',
  ];
  return {
    subject: `Low stock: ${input.name} (${input.stock} left)`,
    html: layout('Low stock', lines, { label: 'Open the product', url: input.productUrl }),
    text: `${lines.join('\n\n')}\n\n${input.productUrl}\n`,
  };
}
