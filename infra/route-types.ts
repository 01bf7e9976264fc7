import type { ZodType } from 'zod';
import type { QueueId } from './queue-definitions.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * public: anyone, no token read; optional: anyone, and a token if sent is checked (admins see
 * more); user: any signed-in, enabled user; admin: role admin.
 */
export type AuthLevel = 'public' | 'optional' | 'user' | 'admin';

/**
 * What a function may touch. The CDK bind helper turns this into IAM grants and env vars;
 * nothing else grants permissions, so this list is the function's whole blast radius.
 */
export interface Access {
  /** `read`: GetItem/BatchGetItem/Query only. `write`: also Put/Update/Delete/transactions. */
  readonly table?: 'read' | 'write';
  /** Queues the function sends to. */
  readonly sendTo?: readonly QueueId[];
  /** Sends email with SES (from the configured sender identity only). */
  readonly sendEmail?: boolean;
  /**
   * Presigns product image uploads: s3:PutObject on `<images bucket>/products/*` only (no
   * read, list or delete), plus IMAGES_BUCKET and IMAGES_PUBLIC_URL.
   */
  readonly uploadImages?: boolean;
  /**
   * Stripe settings, when the stack has them (all optional): `api` gets STRIPE_SECRET_KEY and
   * the checkout URLs, `webhook` gets STRIPE_WEBHOOK_SECRET. No AWS permission involved.
   */
  readonly stripe?: 'api' | 'webhook';
}

export interface RouteSchemas {
  readonly body?: ZodType;
  readonly query?: ZodType;
  readonly path?: ZodType;
  /** Documented 2xx response: status and, if the response has a body, its schema. */
  readonly response: { readonly status: number; readonly schema?: ZodType; readonly contentType?: string };
}

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway syntax: `/users/{id}`. */
  readonly path: string;
  /** Handler file relative to the repository root; it exports `handler`. */
  readonly handler: string;
  readonly auth: AuthLevel;
  readonly access: Access;
  readonly summary: string;
  readonly tag: string;
  readonly schemas: RouteSchemas;
  /** Error statuses this route documents besides the common ones. */
  readonly errors?: readonly number[];
  readonly timeoutSeconds?: number;
  readonly memoryMiB?: number;
}

export interface ConsumerDefinition {
  readonly id: string;
  readonly handler: string;
  readonly queue: QueueId;
  readonly batchSize: number;
  /** Must satisfy queue visibility timeout >= 6x this. */
  readonly timeoutSeconds: number;
  /** Most batches processed at once (event source mapping `maxConcurrency`, 2..1000). Default: no cap. */
  readonly maxConcurrency?: number;
  readonly access: Access;
}

/** A consumer of the table's stream (NEW_AND_OLD_IMAGES), with ReportBatchItemFailures. */
export interface StreamConsumerDefinition {
  readonly id: string;
  readonly handler: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly timeoutSeconds: number;
  /** Then the batch's description goes to the consumer's failure queue (alarmed). */
  readonly retryAttempts: number;
  /** Lambda event filter patterns (`{dynamodb: {Keys: …}}`); the handler ignores other records anyway. */
  readonly filterPatterns: readonly Record<string, unknown>[];
  readonly access: Access;
}

export interface ScheduleDefinition {
  readonly id: string;
  readonly handler: string;
  /** EventBridge expression: `rate(1 minute)`, `rate(1 hour)` or `cron(...)`. */
  readonly schedule: string;
  readonly timeoutSeconds: number;
  readonly access: Access;
}

/**
 * What a route's function may touch: its own `access`, plus a table read for every
 * authenticated route, because the pipeline checks the user and token state on each request.
 */
export function routeAccess(route: Pick<RouteDefinition, 'auth' | 'access'>): Access {
  if (route.auth === 'public' || route.access.table) return route.access;
  return { ...route.access, table: 'read' };
}
