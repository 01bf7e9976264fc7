import { contactRoutes } from '../../infra/routes/contact.js';
import { deleteContactMessage } from '../../shared/contact/contact-repository.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { noContent } from '../../shared/http/responses.js';

export const handler = httpHandler(contactRoutes.deleteContactMessage, async ({ path }) => {
  await deleteContactMessage(path.id);
  return noContent();
});
