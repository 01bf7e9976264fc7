import { authRoutes } from '../../infra/routes/auth.js';
import { limitAttempt } from '../../shared/auth/abuse-limits.js';
import { requestPasswordReset } from '../../shared/auth/request-password-reset.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { accepted } from '../../shared/http/responses.js';

export const handler = httpHandler(authRoutes.forgotPassword, async ({ body, event }) => {
  await limitAttempt('forgotPassword', { sourceIp: event.requestContext.http.sourceIp, email: body.email });
  await requestPasswordReset(body.email);
  return accepted();
});
