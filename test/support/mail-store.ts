/** Reads the emails aws-ses-v2-local has accepted (`GET /store`). */
export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

export async function emailsTo(storeUrl: string, recipient: string): Promise<StoredEmail[]> {
  const response = await fetch(storeUrl);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  return emails.filter((email) => email.destination.to.includes(recipient));
}

/** Polls until `count` emails to `recipient` exist (or the timeout passes), then returns them all. */
export async function waitForEmails(storeUrl: string, recipient: string, count = 1, timeoutMs = 15_000): Promise<StoredEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const emails = await emailsTo(storeUrl, recipient);
    if (emails.length >= count || Date.now() > deadline) return emails;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
