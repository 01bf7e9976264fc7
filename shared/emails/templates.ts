/**
 * Email templates: every email has a subject, an HTML part and a text part. Values are
 * HTML-escaped; nothing user-supplied is ever interpreted as markup.
 */
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

export function passwordResetEmail(input: { name: string; resetUrl: string; expiresAt: string }): EmailContent {
  const lines = [
    `Hi ${input.name},`,
    'Someone asked to reset the password of your account. If it was you, use the link below; it works once and expires at ' +
      `${input.expiresAt}.`,
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

export const formatMoney = (amount: number, currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);

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

export const orderStatusEmail = (input: { name: string; order: OrderSummary; orderUrl: string; from: string; to: string; note?: string | undefined }) =>
  orderEmail(
    `Your order ${input.order.id} is now ${input.to.replace(/_/g, ' ')}`,
    'Order update',
    [`Hi ${input.name},`, `Order ${input.order.id} went from ${input.from.replace(/_/g, ' ')} to ${input.to.replace(/_/g, ' ')}.`, ...(input.note ? [`Note: ${input.note}`] : [])],
    input.order,
    input.orderUrl,
  );
