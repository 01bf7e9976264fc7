import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { RouteDefinition } from '../../infra/route-types.js';
import type { AuthContext } from '../auth/authenticate.js';
import type { PendingSession } from '../auth/pending-session.js';
import { logger } from '../logger.js';
import { countErrorAnswer, publishMetrics } from '../metrics.js';
import { corsHeaders } from './cors.js';
import { errorResponse } from './error-mapper.js';
import { headerValue, parseJsonBody, validatePart } from './parse.js';
import type { HttpEvent, HttpRequest, HttpResponse, HttpResult } from './types.js';

export interface PipelineState {
  requestId: string;
  startedAt: number;
  auth?: AuthContext;
  /** `sessionLookup: 'joined'` routes: confirmed by the handler's first read or write, else below. */
  session?: PendingSession;
  body?: unknown;
  query?: unknown;
  path?: unknown;
}

/** Per-invocation state travels on the Lambda context, which middy gives every middleware. */
export type HttpContext = Context & { pipeline: PipelineState };
export type Middleware = MiddlewareObj<HttpEvent, HttpResponse, Error, HttpContext>;

/**
 * Request id, one structured log line per request, the headers every response carries, and
 * the request's business metrics (shared/metrics.ts), published once per invocation.
 */
const envelope: Middleware = {
  before: ({ event, context }) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    context.pipeline = { requestId, startedAt: Date.now() };
    logger.appendKeys({ requestId });
  },
  after: (request) => {
    request.response = finish(request.event, request.context, request.response!);
    publishMetrics();
  },
  onError: (request) => {
    request.context.pipeline ??= { requestId: request.context.awsRequestId, startedAt: Date.now() };
    countErrorAnswer(request.error);
    request.response = finish(request.event, request.context, errorResponse(request.error, request.context.pipeline.requestId));
    publishMetrics();
  },
};

function finish(event: HttpEvent, context: HttpContext, response: HttpResponse): HttpResponse {
  const { requestId, startedAt, auth } = context.pipeline;
  logger.info('request', {
    method: event.requestContext.http.method,
    path: event.rawPath,
    status: response.statusCode,
    durationMs: Date.now() - startedAt,
    userId: auth?.userId ?? context.pipeline.session?.userId,
  });
  const cors = corsHeaders(headerValue(event, 'origin'));
  // A handler's own `vary` (e.g. accept-encoding) and CORS's `vary: origin` both count.
  const vary = [response.headers?.vary, cors.vary].filter(Boolean).join(', ');
  return { ...response, headers: { ...response.headers, ...cors, ...(vary ? { vary } : {}), 'x-request-id': requestId } };
}

/** JSON body (64 KiB limit) and zod validation of body, query and path, from the route table. */
const validate = (route: RouteDefinition): Middleware => ({
  before: ({ event, context }) => {
    const { body, query, path } = route.schemas;
    const state = context.pipeline;
    if (body) state.body = validatePart(body, parseJsonBody(event), 'body');
    if (query) state.query = validatePart(query, event.queryStringParameters ?? {}, 'query');
    if (path) state.path = validatePart(path, event.pathParameters ?? {}, 'path');
  },
});

function serialize(result: HttpResult): HttpResponse {
  const isText = typeof result.body === 'string';
  const hasBody = result.body !== undefined && result.statusCode !== 204;
  return {
    statusCode: result.statusCode,
    headers: {
      ...(hasBody ? { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json' } : {}),
      ...result.headers,
    },
    body: hasBody ? (isText ? (result.body as string) : JSON.stringify(result.body)) : '',
    ...(hasBody && result.isBase64Encoded ? { isBase64Encoded: true } : {}),
    ...(result.cookies ? { cookies: [...result.cookies] } : {}),
  };
}

/**
 * The pipeline every HTTP handler uses: envelope → authorize (given by
 * authenticated-handler.ts for routes that read a token) → validate → implementation. The
 * implementation receives typed, validated input and returns an HttpResult.
 */
export function pipeline<R extends RouteDefinition>(
  route: R,
  implementation: (request: HttpRequest<R>) => Promise<HttpResult>,
  authorize?: Middleware,
): (event: HttpEvent, context: Context) => Promise<HttpResponse> {
  const handler = middy<HttpEvent, HttpResponse, Error, HttpContext>().use(envelope);
  if (authorize) handler.use(authorize);
  const run = handler.use(validate(route)).handler(async (event, context) => {
    const { body, query, path, auth, session, requestId } = context.pipeline;
    const result = await implementation({ body, query, path, auth, session, requestId, event } as HttpRequest<R>);
    // The handler read and wrote nothing that carried the session lookup: do it now.
    await session?.confirm();
    return serialize(result);
  });
  return (event, context) => run(event, context as HttpContext);
}

/**
 * The handler of a public route. It reads no token, so its bundle carries none of the
 * authentication code, table client or JWT key (routes that authenticate use
 * `httpHandler` from authenticated-handler.ts, which the type of `route` enforces).
 */
export function httpHandler<R extends RouteDefinition & { readonly auth: 'public' }>(
  route: R,
  implementation: (request: HttpRequest<R>) => Promise<HttpResult>,
): (event: HttpEvent, context: Context) => Promise<HttpResponse> {
  return pipeline(route, implementation);
}
