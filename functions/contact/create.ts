import { contactRoutes } from '../../infra/routes/contact.js';
import { submitContactMessage } from '../../shared/contact/contact-messages.js';
import { toPublicContactMessage } from '../../shared/contact/contact-message.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { created } from '../../shared/http/responses.js';

export const handler = httpHandler(contactRoutes.createContactMessage, async ({ body, event }) =>
  created(toPublicContactMessage(await submitContactMessage(body, { sourceIp: event.requestContext.http.sourceIp }))),
);
