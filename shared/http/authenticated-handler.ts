import type { Context } from 'aws-lambda';
import type { AuthLevel, RouteDefinition } from '../../infra/route-types.js';
import { authenticate, extractAccessToken, pendingSession } from '../auth/authenticate.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { pipeline, type Middleware } from './http-handler.js';
import type { HttpEvent, HttpRequest, HttpResponse, HttpResult } from './types.js';

/**
 * Authentication and role check, from the route table's `auth`. On `sessionLookup: 'joined'`
 * routes only the token is verified here; an error answer while its session is unconfirmed
 * (a 404, a 409, a 400 from validation) looks the session up first, so a revoked token still
 * gets its 401 and learns nothing else.
 */
const authorize = (route: RouteDefinition): Middleware => ({
  before: async ({ event, context }) => {
    if (route.sessionLookup === 'joined') {
      context.pipeline.session = await pendingSession(event);
      return;
    }
    if (route.auth === 'optional' && !extractAccessToken(event)) return;
    context.pipeline.auth = await authenticate(event, route.auth === 'optional' ? 'user' : (route.auth as Exclude<AuthLevel, 'public' | 'optional'>));
  },
  onError: async (request) => {
    const session = request.context.pipeline?.session;
    if (!session || session.confirmed || request.error instanceof UnauthorizedError || request.error instanceof ForbiddenError) return;
    try {
      await session.confirm();
    } catch (refusal) {
      if (refusal instanceof UnauthorizedError) request.error = refusal;
    }
  },
});

/**
 * The handler of a route that reads a token (`auth` user, admin or optional). Authentication is
 * imported statically: loaded lazily it made esbuild wrap everything it reaches in lazy
 * initialisers and keep unused SDK code (bench:bundles: ~67 KiB and ~15 % of cold import per
 * function), and the JWT key is now read at init, as every secret is.
 */
export function httpHandler<R extends RouteDefinition & { readonly auth: Exclude<AuthLevel, 'public'> }>(
  route: R,
  implementation: (request: HttpRequest<R>) => Promise<HttpResult>,
): (event: HttpEvent, context: Context) => Promise<HttpResponse> {
  return pipeline(route, implementation, authorize(route));
}
