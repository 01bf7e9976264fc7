import { routes } from '../../infra/routes.js';
import { requestPasswordReset } from '../../shared/auth/request-password-reset.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { accepted } from '../../shared/http/responses.js';

export const handler = httpHandler(routes.forgotPassword, async ({ body }) => {
  await requestPasswordReset(body.email);
  return accepted();
});
