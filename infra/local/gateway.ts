/**
 * The local stand-in for API Gateway (HTTP API, payload 2.0): turns each HTTP request into
 * the event API Gateway would send, calls the route's handler from the route table, and
 * writes its result back, cookies included.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BadRequestError } from '../../shared/errors.js';
import { corsPreflightHeaders } from '../../shared/http/cors.js';
import { errorResponse } from '../../shared/http/error-mapper.js';
import type { RouteDefinition } from '../route-types.js';
import { localLambdaContext, loadHandler } from './lambda-context.js';

/** API Gateway's own payload limit; the handlers enforce the API's 64 KiB themselves. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

interface CompiledRoute {
  readonly route: RouteDefinition & { id: string };
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

export function compileRoute(route: RouteDefinition & { id: string }): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_match, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
}

/** Exact paths beat parameterised ones, as in API Gateway. */
export function matchRoute(compiled: readonly CompiledRoute[], method: string, path: string) {
  const candidates = compiled
    .filter((c) => c.route.method === method)
    .sort((a, b) => a.params.length - b.params.length);
  for (const candidate of candidates) {
    const match = candidate.pattern.exec(path);
    if (match) {
      const values = candidate.params.map((_, i) => safeDecode(match[i + 1]!));
      // Malformed percent-encoding (`%E0%A4%A`): API Gateway refuses the request; so do we (400).
      if (values.some((value) => value === undefined)) return { route: candidate.route, pathParameters: undefined };
      return { route: candidate.route, pathParameters: Object.fromEntries(candidate.params.map((name, i) => [name, values[i]!])) };
    }
  }
  return undefined;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const isTextual = (contentType: string | undefined) =>
  !contentType || /^(text\/|application\/(json|[\w.+-]+\+json|xml|x-www-form-urlencoded))/i.test(contentType);

export function toApiGatewayEvent(input: {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  routeKey: string;
  pathParameters: Record<string, string>;
  sourceIp: string;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of input.url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const cookies = input.headers.cookie?.split(';').map((c) => c.trim()).filter(Boolean);
  const textual = isTextual(headers['content-type']);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.url.pathname,
    rawQueryString: input.url.search.replace(/^\?/, ''),
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: input.url.host,
      domainPrefix: 'local',
      http: {
        method: input.method,
        path: input.url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: input.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(input.body.length > 0
      ? { body: textual ? input.body.toString('utf8') : input.body.toString('base64'), isBase64Encoded: !textual }
      : { isBase64Encoded: false }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

export interface Gateway {
  readonly url: string;
  close(): Promise<void>;
}

export async function startGateway(options: {
  port: number;
  host?: string;
  routes: readonly (RouteDefinition & { id: string })[];
  /**
   * What answers when no route matches, like API Gateway's `$default` route (infra/routes/service.ts
   * `defaultRoute`). Without it, API Gateway's bare `{"message":"Not Found"}`.
   */
  defaultRoute?: Pick<RouteDefinition, 'handler' | 'timeoutSeconds'>;
  /** Local-only static pages (GET), served before the routes: the reset-password page. */
  pages?: Record<string, { contentType: string; body: string; headers?: Record<string, string> }>;
  repoRoot: string;
  log?: (line: string) => void;
}): Promise<Gateway> {
  const compiled = options.routes.map(compileRoute);
  const handlers = new Map(await Promise.all(options.routes.map(async (r) => [r.id, await loadHandler(options.repoRoot, r.handler)] as const)));
  const fallback = options.defaultRoute && (await loadHandler(options.repoRoot, options.defaultRoute.handler));
  const log = options.log ?? ((line: string) => console.log(line));

  const server = createServer((request, response) => {
    const startedAt = Date.now();
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    const finish = (status: number, note = '') => log(`${method} ${url.pathname}${url.search} ${status} ${Date.now() - startedAt}ms${note}`);
    void (async () => {
      // API Gateway answers CORS preflights itself (the API's corsPreflight); so do we.
      if (method === 'OPTIONS' && request.headers['access-control-request-method']) {
        const origin = request.headers.origin;
        send(response, { statusCode: 204, headers: corsPreflightHeaders(Array.isArray(origin) ? origin[0] : origin) });
        return finish(204);
      }
      const page = method === 'GET' ? options.pages?.[url.pathname] : undefined;
      if (page) {
        send(response, { statusCode: 200, headers: { ...page.headers, 'content-type': page.contentType }, body: page.body });
        return finish(200);
      }
      const matched = matchRoute(compiled, method, url.pathname);
      if (!matched && !fallback) {
        send(response, { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' });
        return finish(404);
      }
      if (matched && !matched.pathParameters) {
        const requestId = randomUUID();
        const refused = errorResponse(new BadRequestError('The path is not valid percent-encoded UTF-8'), requestId);
        send(response, { ...refused, headers: { ...refused.headers, 'x-request-id': requestId } });
        return finish(400);
      }
      const body = await readBody(request);
      if (!body) {
        send(response, { statusCode: 413, headers: { 'content-type': 'application/json' }, body: '{"message":"Request Entity Too Large"}' });
        return finish(413);
      }
      const event = toApiGatewayEvent({
        method,
        url,
        headers: request.headers,
        body,
        routeKey: matched ? `${matched.route.method} ${matched.route.path}` : '$default',
        pathParameters: matched?.pathParameters ?? {},
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      });
      const result = (await (matched
        ? handlers.get(matched.route.id)!(event as never, localLambdaContext(matched.route.id, matched.route.timeoutSeconds))
        : fallback!(event as never, localLambdaContext('defaultRoute', options.defaultRoute!.timeoutSeconds)))) as APIGatewayProxyStructuredResultV2;
      send(response, result);
      finish(result.statusCode ?? 200);
    })().catch((error: unknown) => {
      // In AWS an unhandled Lambda error is API Gateway's 500 "Internal Server Error".
      log(`${method} ${url.pathname} handler crashed: ${error instanceof Error ? error.stack : String(error)}`);
      if (!response.headersSent) send(response, { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal Server Error"}' });
      finish(500, ' (crash)');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
