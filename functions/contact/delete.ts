import { routes } from '../../infra/routes.js';
import { deleteContactMessage } from '../../shared/contact/contact-repository.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { noContent } from '../../shared/http/responses.js';

export const handler = httpHandler(routes.deleteContactMessage, async ({ path }) => {
  await deleteContactMessage(path.id);
  return noContent();
});
