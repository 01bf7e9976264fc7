import { authRoutes } from '../../infra/routes/auth.js';
import { limitAttempt } from '../../shared/auth/abuse-limits.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { sessionResult } from '../../shared/http/session-response.js';
import { registerAccount } from '../../shared/users/registration.js';

export const handler = httpHandler(authRoutes.register, async ({ body, event }) => {
  await limitAttempt('register', { sourceIp: event.requestContext.http.sourceIp, email: body.email });
  return sessionResult(201, await registerAccount(body));
});
