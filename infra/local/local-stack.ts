/**
 * The whole API on one machine, no Docker, no AWS account: emulators, table and queues from
 * the same definitions CDK uses, the seeded admin, the gateway over the route table, queue
 * pollers for the consumer list, table-stream pollers for the stream consumers and timers for
 * the schedule list.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConfiguration } from '../../shared/config.js';
import { consumers, streamConsumers } from '../consumers.js';
import { queueDefinitions } from '../queue-definitions.js';
import { routeList } from '../routes.js';
import { websocketAuthorizer, websocketRoutes } from '../routes/realtime.js';
import { defaultRoute } from '../routes/service.js';
import { schedules } from '../schedules.js';
import { startEmulators } from './emulators.js';
import { findFreePort } from './free-port.js';
import { startGateway } from './gateway.js';
import { loadHandler } from './lambda-context.js';
import { provisionBucket, provisionQueues, provisionTable } from './provision.js';
import { resetPasswordPages } from './reset-password-page.js';
import { startQueuePoller } from './queue-poller.js';
import { startScheduler } from './scheduler.js';
import { startStreamPoller } from './stream-poller.js';
import { startWebSocketGateway } from './websocket-gateway.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface LocalStackOptions {
  apiPort: number;
  /** The WebSocket API and its management endpoint (`npm start`: 3001). Default: a free port. */
  websocketPort?: number | undefined;
  dynamodbPort?: number | undefined;
  sqsPort?: number | undefined;
  sesPort?: number | undefined;
  persistDir?: string | undefined;
  /** Put the conflict-faithful proxy in front of DynamoDB Local (see emulators.ts). Default off. */
  conflictProxy?: boolean | { transactionLatencyMs?: number };
  /** Delay before a failed message is redelivered locally (Lambda: the visibility timeout). */
  retryDelaySeconds?: number;
  log?: (line: string) => void;
}

export interface LocalStack {
  readonly apiUrl: string;
  /** `ws://127.0.0.1:<port>`: connect with `?token=<accessToken>`. */
  readonly websocketUrl: string;
  readonly mailViewerUrl: string;
  /** The conflict proxy (`<url>/__proxy/stats`), when on. */
  readonly conflictProxyUrl?: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Development defaults; each can be overridden by setting the variable. */
export const localDefaults = {
  TABLE_NAME: 'order-management',
  JWT_SECRET: 'local-development-secret-change-me-0123456789',
  EMAIL_FROM: 'shop@example.com',
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'admin-password',
  BCRYPT_COST: '10',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  // No CloudWatch here: don't print an EMF line per request (set to false to see them).
  POWERTOOLS_METRICS_DISABLED: 'true',
  IMAGES_BUCKET: 'order-management-images',
} as const;

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  for (const [name, value] of Object.entries(localDefaults)) process.env[name] ??= value;
  // Links in emails point at this API (which serves the reset-password page locally), whatever
  // its port: the port is picked before any handler reads APP_BASE_URL.
  const apiPort = options.apiPort || (await findFreePort());
  process.env.APP_BASE_URL ??= `http://localhost:${apiPort}`;
  // Every bad variable at once, before anything starts (each function would name only its own).
  checkConfiguration(process.env);

  const emulators = await startEmulators({
    dynamodbPort: options.dynamodbPort,
    sqsPort: options.sqsPort,
    sesPort: options.sesPort,
    persistDir: options.persistDir,
    conflictProxy: options.conflictProxy,
  });
  const stops: (() => Promise<void> | void)[] = [() => emulators.stop()];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne();
  };
  try {
    // Handlers build their SDK clients from these standard variables when first imported.
    Object.assign(process.env, emulators.env);
    await provisionTable(process.env.TABLE_NAME!);
    const queues = await provisionQueues();
    for (const queue of Object.values(queueDefinitions)) process.env[queue.envVar] = queues.urls[queue.id];
    // Product images: presigned PUTs go to fauxqs's S3 (path-style, see emulators.ts) and the
    // public URL is the object's plain emulator URL, standing in for CloudFront. fauxqs does
    // not check signatures, so the signed type/size limits are only enforced on AWS.
    await provisionBucket(process.env.IMAGES_BUCKET!);
    process.env.IMAGES_PUBLIC_URL ??= `${emulators.endpoints.s3}/${process.env.IMAGES_BUCKET}`;

    const { ensureAdmin } = await import('../../shared/users/accounts.js');
    await ensureAdmin({ email: process.env.ADMIN_EMAIL!.toLowerCase(), password: process.env.ADMIN_PASSWORD! });

    const gateway = await startGateway({ port: apiPort, routes: routeList, defaultRoute, pages: resetPasswordPages, repoRoot, log });
    stops.push(() => gateway.close());

    // The WebSocket API; its management endpoint is where the pusher (a stream consumer) posts.
    const websocket = await startWebSocketGateway({ port: options.websocketPort ?? 0, repoRoot, authorizer: websocketAuthorizer, routes: websocketRoutes, log });
    stops.push(() => websocket.close());
    process.env.WEBSOCKET_MANAGEMENT_URL = websocket.managementUrl;

    const sqs = new SQSClient({});
    for (const consumer of consumers) {
      const queue = queueDefinitions[consumer.queue];
      const poller = startQueuePoller({
        sqs,
        queueUrl: queues.urls[consumer.queue],
        queueName: queue.name,
        consumer: (await loadHandler(repoRoot, consumer.handler)) as never,
        consumerName: consumer.id,
        batchSize: consumer.batchSize,
        retryDelaySeconds: options.retryDelaySeconds ?? 2,
        log,
      });
      stops.push(() => poller.stop());
    }
    for (const consumer of streamConsumers) {
      const poller = startStreamPoller({
        tableName: process.env.TABLE_NAME!,
        consumer: (await loadHandler(repoRoot, consumer.handler)) as never,
        consumerName: consumer.id,
        batchSize: consumer.batchSize,
        log,
      });
      stops.push(() => poller.stop());
    }
    const scheduler = await startScheduler({ schedules, repoRoot, log });
    stops.push(() => scheduler.stop());

    const env: Record<string, string> = {
      ...emulators.env,
      TABLE_NAME: process.env.TABLE_NAME!,
      ORDER_EVENTS_QUEUE_URL: queues.urls.orderEvents,
      ORDER_EVENTS_DLQ_URL: queues.deadLetterUrls.orderEvents,
      SES_STORE_URL: `${emulators.endpoints.ses}/store`,
      IMAGES_BUCKET: process.env.IMAGES_BUCKET!,
      IMAGES_PUBLIC_URL: process.env.IMAGES_PUBLIC_URL,
      WEBSOCKET_MANAGEMENT_URL: websocket.managementUrl,
    };
    return { apiUrl: gateway.url, websocketUrl: websocket.url, mailViewerUrl: emulators.mailViewerUrl, conflictProxyUrl: emulators.conflictProxy?.url, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
