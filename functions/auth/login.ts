import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { sessionResult } from '../../shared/http/session-response.js';
import { login } from '../../shared/users/accounts.js';

export const handler = httpHandler(routes.login, async ({ body }) => sessionResult(200, await login(body)));
