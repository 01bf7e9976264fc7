import { routes } from '../../infra/routes.js';
import { resetPassword } from '../../shared/auth/password-reset.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { noContent } from '../../shared/http/responses.js';

export const handler = httpHandler(routes.resetPassword, async ({ body }) => {
  await resetPassword(body.token, body.password);
  return noContent();
});
