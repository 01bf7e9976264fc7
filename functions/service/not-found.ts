import { defaultRoute } from '../../infra/routes/service.js';
import { NotFoundError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/http-handler.js';

/** API Gateway's `$default` route (and the local gateway's fallback): 404 in the error envelope. */
export const handler = httpHandler(defaultRoute, async ({ event }) => {
  throw new NotFoundError(`Route ${event.requestContext.http.method} ${event.rawPath}`);
});
