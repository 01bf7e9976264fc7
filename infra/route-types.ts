import type { ZodObject, ZodType } from 'zod';
import type { QueueId } from './queue-definitions.js';
import type { IndexName } from './table-definition.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * public: anyone, no token read; optional: anyone, and a token if sent is checked (admins see
 * more); user: any signed-in, enabled user; admin: role admin.
 */
export type AuthLevel = 'public' | 'optional' | 'user' | 'admin';

/**
 * IAM `StringLike` patterns (`*` any run of characters, `?` one) of partition key values:
 * `USER#*`, `CONTACTS`. They become `ForAllValues:StringLike` `dynamodb:LeadingKeys` conditions.
 */
export type KeyPatterns = readonly string[];

/**
 * Table access confined to known partition keys. `keys` must cover the partition key (`pk`)
 * of every item the function's code reads or writes, transaction and BatchGet items included
 * (IAM checks each one); a missing pattern is an AccessDenied on AWS only (DynamoDB Local
 * ignores IAM), so test/integration/least-privilege.test.ts runs the handlers and checks each
 * key they touch against these patterns.
 */
export interface TableAccess {
  readonly mode: 'read' | 'write';
  readonly keys: KeyPatterns;
  /**
   * Index partition key patterns per index the function queries (`gsi1pk` values for gsi1):
   * `dynamodb:Query` on that index only, conditioned on them. No entry: no index access.
   */
  readonly indexKeys?: Partial<Record<IndexName, KeyPatterns>>;
}

/**
 * What a function may touch. The CDK bind helper turns this into IAM grants and env vars;
 * nothing else grants permissions, so this list is the function's whole blast radius.
 */
export interface Access {
  /**
   * `read`: GetItem/BatchGetItem/Query/ConditionCheckItem only. `write`: also
   * Put/Update/DeleteItem (TransactWriteItems is authorised per item through these). A plain
   * mode allows any item and Query on every index; a `TableAccess` confines the function to its
   * declared partition keys and indexes.
   */
  readonly table?: 'read' | 'write' | TableAccess;
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
   * the checkout URLs, `refunds` the key alone, `webhook` gets STRIPE_WEBHOOK_SECRET. No AWS
   * permission involved besides reading the secret.
   */
  readonly stripe?: 'api' | 'refunds' | 'webhook';
  /**
   * Pushes to and closes WebSocket connections through the API Gateway management API:
   * `execute-api:ManageConnections` on the WebSocket stage's `@connections` only, plus
   * WEBSOCKET_MANAGEMENT_URL (infra/realtime.ts).
   */
  readonly manageConnections?: boolean;
}

export interface RouteSchemas {
  readonly body?: ZodType;
  readonly query?: ZodType;
  readonly path?: ZodType;
  /** Documented 2xx response: status and, if the response has a body, its schema. */
  readonly response: { readonly status: number; readonly schema?: ZodType; readonly contentType?: string };
  /**
   * Request headers documented in /openapi.json (e.g. `Idempotency-Key`, `Stripe-Signature`).
   * The handler reads and checks them; the pipeline does not.
   */
  readonly headers?: ZodObject;
  /** A request body documented but read raw by the handler (the Stripe webhook: signed bytes), not parsed by the pipeline. */
  readonly rawBody?: { readonly schema: ZodType; readonly contentType: string };
}

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway syntax: `/users/{id}`. */
  readonly path: string;
  /** Handler file relative to the repository root; it exports `handler`. */
  readonly handler: string;
  readonly auth: AuthLevel;
  /**
   * `joined` (user routes only): the session lookup is not a call of its own. The handler gets a
   * PendingSession (shared/auth/pending-session.ts) instead of an AuthContext, and its first read
   * or transaction carries the lookup; the pipeline looks it up itself before any answer while it
   * is unconfirmed. Saves one DynamoDB call on the cart and order-placement routes.
   */
  readonly sessionLookup?: 'joined';
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

/** A route of the WebSocket API (infra/routes/realtime.ts): API Gateway's route key and its handler. */
export interface WebSocketRouteDefinition {
  readonly routeKey: '$connect' | '$disconnect' | '$default';
  readonly handler: string;
  readonly access: Access;
  readonly summary: string;
  /** The handler's answer (its `body`) is sent back to the client (a two-way route). */
  readonly returnResponse?: boolean;
}

/**
 * The WebSocket API's Lambda REQUEST authorizer, on `$connect` only (the one route API Gateway
 * authorizes): it reads the access token from the `token` query parameter.
 */
export interface WebSocketAuthorizerDefinition {
  readonly handler: string;
  readonly queryParameter: string;
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
 * Partition keys the HTTP pipeline reads for a route that authenticates (shared/auth/authenticate.ts:
 * one BatchGetItem of the user, the token's denial record and its session family).
 */
export const AUTHENTICATION_KEYS: KeyPatterns = ['USER#*', 'REVOKED#*', 'SESSION#*'];

/**
 * The admin-seeding custom resource's access (infra/stack.ts): `ensureAdmin` creates the user
 * and its email claim, or reads the claim and the user and promotes it.
 */
export const SEED_ADMIN_ACCESS = { table: { mode: 'write', keys: ['EMAIL#*', 'USER#*'] } } as const satisfies Access;

/** `'read' | 'write' | TableAccess` as a `TableAccess`, `keys` undefined for a plain mode (any item). */
export function tableAccessOf(table: NonNullable<Access['table']>): { mode: 'read' | 'write'; keys?: KeyPatterns; indexKeys?: TableAccess['indexKeys'] } {
  return typeof table === 'string' ? { mode: table } : table;
}

/**
 * What a route's function may touch: its own `access`, plus a table read for every
 * authenticated route, because the pipeline checks the user and token state on each request
 * (with declared keys: `AUTHENTICATION_KEYS` added to them).
 */
export function routeAccess(route: Pick<RouteDefinition, 'auth' | 'access'>): Access {
  const table = route.access.table;
  if (route.auth === 'public') return route.access;
  if (!table) return { ...route.access, table: { mode: 'read', keys: AUTHENTICATION_KEYS } };
  if (typeof table === 'string') return route.access;
  return { ...route.access, table: { ...table, keys: [...new Set([...table.keys, ...AUTHENTICATION_KEYS])] } };
}
