import { authRoutes } from '../../infra/routes/auth.js';
import { limitAttempt } from '../../shared/auth/abuse-limits.js';
import { resetPassword } from '../../shared/auth/password-reset.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { noContent } from '../../shared/http/responses.js';

export const handler = httpHandler(authRoutes.resetPassword, async ({ body, event }) => {
  await limitAttempt('resetPassword', { sourceIp: event.requestContext.http.sourceIp });
  await resetPassword(body.token, body.password);
  return noContent();
});
