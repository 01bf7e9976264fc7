import { authRoutes } from '../../infra/routes/auth.js';
import { limitAttempt } from '../../shared/auth/abuse-limits.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { sessionResult } from '../../shared/http/session-response.js';
import { login } from '../../shared/users/accounts.js';

export const handler = httpHandler(authRoutes.login, async ({ body, event }) => {
  await limitAttempt('login', { sourceIp: event.requestContext.http.sourceIp });
  return sessionResult(200, await login(body));
});
