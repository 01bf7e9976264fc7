import { authRoutes } from '../../infra/routes/auth.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { noContent } from '../../shared/http/responses.js';
import { clearSessionCookie } from '../../shared/http/session-response.js';
import { logout } from '../../shared/users/accounts.js';

export const handler = httpHandler(authRoutes.logout, async ({ auth }) => {
  await logout(auth);
  return noContent({ cookies: [clearSessionCookie()] });
});
