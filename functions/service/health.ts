import { serviceRoutes } from '../../infra/routes/service.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

export const handler = httpHandler(serviceRoutes.health, async () => ok({ status: 'ok' }));
