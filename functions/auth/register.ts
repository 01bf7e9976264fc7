import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { sessionResult } from '../../shared/http/session-response.js';
import { registerAccount } from '../../shared/users/registration.js';

export const handler = httpHandler(routes.register, async ({ body }) => sessionResult(201, await registerAccount(body)));
