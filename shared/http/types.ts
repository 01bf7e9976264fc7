import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z, ZodType } from 'zod';
import type { RouteDefinition } from '../../infra/route-types.js';
import type { AuthContext } from '../auth/authenticate.js';
import type { PendingSession } from '../auth/pending-session.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

type Parsed<S> = S extends ZodType ? z.output<S> : undefined;

export interface HttpRequest<R extends RouteDefinition> {
  readonly body: Parsed<R['schemas']['body']>;
  readonly query: Parsed<R['schemas']['query']>;
  readonly path: Parsed<R['schemas']['path']>;
  /** Present on user and admin routes; on optional routes only when a token was sent. */
  readonly auth: R['sessionLookup'] extends 'joined' ? undefined : R['auth'] extends 'public' ? undefined : R['auth'] extends 'optional' ? AuthContext | undefined : AuthContext;
  /** On `sessionLookup: 'joined'` routes: the verified token, its session to confirm with the first read or write. */
  readonly session: R['sessionLookup'] extends 'joined' ? PendingSession : undefined;
  readonly requestId: string;
  readonly event: HttpEvent;
}

/** What a route implementation returns; `body` is serialised as JSON unless it is a string. */
export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly cookies?: readonly string[];
  /** `body` is a base64 string of binary content (e.g. gzip); API Gateway decodes it. */
  readonly isBase64Encoded?: boolean;
}
