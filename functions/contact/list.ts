import { contactRoutes } from '../../infra/routes/contact.js';
import { toPublicContactMessage } from '../../shared/contact/contact-message.js';
import { listContactMessages } from '../../shared/contact/contact-repository.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';

export const handler = httpHandler(contactRoutes.listContactMessages, async ({ query }) => {
  const page = await listContactMessages(query);
  return ok({ items: page.items.map(toPublicContactMessage), nextCursor: page.nextCursor });
});
