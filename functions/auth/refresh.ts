import { authRoutes } from '../../infra/routes/auth.js';
import { rotateSession } from '../../shared/auth/sessions.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { sessionResult } from '../../shared/http/session-response.js';

export const handler = httpHandler(authRoutes.refresh, async ({ body }) => sessionResult(200, await rotateSession(body.refreshToken)));
