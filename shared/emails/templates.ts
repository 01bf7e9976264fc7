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
