import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

export const handler = httpHandler(routes.health, async () => ok({ status: 'ok' }));
