import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { RouteDefinition } from '../../infra/route-types.js';
import { localLambdaContext } from '../../infra/local/lambda-context.js';

/** Builds the API Gateway v2 event a route's handler receives in AWS. */
export function apiEvent(
  route: Pick<RouteDefinition, 'method' | 'path'>,
  options: {
    body?: unknown;
    rawBody?: string;
    base64?: boolean;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    path?: Record<string, string>;
    token?: string;
    cookies?: string[];
  } = {},
): APIGatewayProxyEventV2 {
  const raw = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  };
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: route.path,
    rawQueryString: '',
    headers,
    ...(options.cookies ? { cookies: options.cookies } : {}),
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.path ? { pathParameters: options.path } : {}),
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'example.com',
      domainPrefix: 'api',
      http: { method: route.method, path: route.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(raw !== undefined
      ? { body: options.base64 ? Buffer.from(raw).toString('base64') : raw, isBase64Encoded: options.base64 ?? false }
      : { isBase64Encoded: false }),
  };
}

export const lambdaContext = (): Context => localLambdaContext('unit-test');

export interface ParsedResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: any;
}

export async function invoke(
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>,
  event: APIGatewayProxyEventV2,
): Promise<ParsedResponse> {
  const result = (await handler(event, lambdaContext())) as { statusCode: number; headers?: Record<string, string>; body?: string; cookies?: string[] };
  return {
    statusCode: result.statusCode,
    headers: result.headers ?? {},
    cookies: result.cookies ?? [],
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}
