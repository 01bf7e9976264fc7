import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from 'zod-openapi';
import * as z from 'zod';
import type { ZodObject } from 'zod';
import { routeList } from '../../infra/routes.js';
import { errorEnvelopeSchema } from '../schemas/common.js';

const errorDescriptions: Record<number, string> = {
  400: 'VALIDATION_ERROR or BAD_REQUEST (a malformed header; on the Stripe webhook: missing, forged or stale Stripe-Signature)',
  401: 'UNAUTHORIZED or INVALID_CREDENTIALS',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'EMAIL_TAKEN, OUT_OF_STOCK, INVALID_TRANSITION, CONFLICT, TOO_MANY_UNPAID_ORDERS, PRODUCT_UNAVAILABLE, REFUND_EXCEEDS_REFUNDABLE or REFUND_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'IDEMPOTENCY_KEY_REUSED',
  429: 'TOO_MANY_REQUESTS (see Retry-After)',
  502: 'PAYMENT_PROVIDER_ERROR (Stripe failed; the request may be repeated with the same Idempotency-Key)',
  503: 'Service not configured',
  500: 'INTERNAL',
};

/** Every 429 says when to come back: the seconds to the end of the limit's window. */
const retryAfterHeader = z.object({ 'Retry-After': z.string().regex(/^\d+$/).describe('seconds until the limit\'s window ends and the request may be repeated') });

/** The project's license as /openapi.json states it; package.json's `license` says the same (unit-tested). */
export const API_LICENSE = { name: 'MIT', identifier: 'MIT' } as const;

/** OpenAPI 3.1, generated from the route table and the same zod schemas the handlers validate with. */
export function buildOpenApiDocument() {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routeList) {
    const { schemas } = route;
    const errorStatuses = new Set<number>([500, ...(route.errors ?? [])]);
    if (schemas.body || schemas.query || schemas.path) errorStatuses.add(400);
    if (schemas.body) errorStatuses.add(413);
    if (schemas.headers || schemas.rawBody) errorStatuses.add(400);
    if (route.auth !== 'public') errorStatuses.add(401);
    if (route.auth === 'optional') errorStatuses.add(403);
    if (route.auth === 'admin') errorStatuses.add(403);
    const responses: Record<string, ZodOpenApiResponseObject> = {
      [schemas.response.status]: {
        description: route.summary,
        ...(schemas.response.schema
          ? { content: { [schemas.response.contentType ?? 'application/json']: { schema: schemas.response.schema } } }
          : {}),
      },
    };
    for (const status of [...errorStatuses].sort()) {
      responses[status] = {
        description: errorDescriptions[status] ?? 'Error',
        ...(status === 429 ? { headers: retryAfterHeader } : {}),
        content: { 'application/json': { schema: errorEnvelopeSchema } },
      };
    }
    const operation: ZodOpenApiOperationObject = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'public' ? { security: [] } : {}),
      ...(route.auth === 'optional' ? { security: [{}, { bearer: [] }, { cookie: [] }], description: 'Public; a token, if sent, is checked and may show more (admins).' } : {}),
      ...(route.auth === 'user' || route.auth === 'admin' ? { description: `Requires ${route.auth === 'admin' ? 'an admin' : 'a signed-in user'}.` } : {}),
      requestParams: {
        ...(schemas.query ? { query: schemas.query as ZodObject } : {}),
        ...(schemas.path ? { path: schemas.path as ZodObject } : {}),
        ...(schemas.headers ? { header: schemas.headers } : {}),
      },
      ...(schemas.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemas.body } } } } : {}),
      ...(schemas.rawBody ? { requestBody: { required: true, content: { [schemas.rawBody.contentType]: { schema: schemas.rawBody.schema } } } } : {}),
      responses,
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Order Management API',
      version: '0.1.0',
      description:
        'Serverless order management: accounts, catalogue, carts with stock holds, orders, payments, shipments.\n\n' +
        '**Real-time** (not part of this document: a WebSocket API): connect to the `WebSocketUrl` stack output ' +
        '(`ws://127.0.0.1:3001` locally) with `?token=<accessToken>`; a missing, expired or revoked token is refused with 401. ' +
        'Customers receive `{"type":"order.updated","order":…}` for their own orders on every change (placed, status, ' +
        'payment status, shipment, then with `shipment`); admins receive it for every order, plus `{"type":"order.created","order":…}` ' +
        'and `{"type":"stock.low","product":…}`. Send `{"action":"ping"}` to get `{"type":"pong"}`. Logout, disabling, a role ' +
        'change and a password change or reset close that user\'s sockets.',
      license: API_LICENSE,
    },
    // Relative: the API that serves this document (API Gateway stage URL, `npm start`, LocalStack).
    servers: [{ url: '/', description: 'This API (the host serving /openapi.json)' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'accessToken' },
      },
    },
    security: [{ bearer: [] }, { cookie: [] }],
    paths,
  });
}
