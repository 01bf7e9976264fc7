/**
 * The API's CORS policy, as data: API Gateway's preflight configuration (CDK), the local
 * gateway's preflight answers and the handlers' response headers all come from here.
 */
export const corsPolicy = {
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowHeaders: ['content-type', 'authorization', 'idempotency-key', 'if-none-match'],
  exposeHeaders: ['x-request-id', 'retry-after', 'etag'],
  maxAgeSeconds: 600,
} as const;
