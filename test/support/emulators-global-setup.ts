/**
 * vitest globalSetup of the `integration` project: starts DynamoDB Local, fauxqs (SQS + S3) and
 * aws-ses-v2-local once on free ports, creates the table, the queues and the images bucket, and `provide`s the
 * environment that `emulator-env.ts` copies into each test worker's `process.env`.
 *
 * DynamoDB is reached through the conflict-faithful proxy (infra/local/conflict-proxy.ts), so
 * every integration test sees transactions conflict as on AWS; `DYNAMODB_DIRECT_URL` bypasses it.
 */
import type { TestProject } from 'vitest/node';
import { startEmulators } from '../../infra/local/emulators.js';
import { provisionBucket, provisionQueues, provisionTable } from '../../infra/local/provision.js';
import { queueDefinitions, type QueueDefinition } from '../../infra/queue-definitions.js';

/** What the integration workers get in `process.env` (plus one `<QUEUE>_QUEUE_URL`/`_DLQ_URL` per queue). */
export interface EmulatorEnv extends Record<string, string> {
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_ENDPOINT_URL_DYNAMODB: string;
  AWS_ENDPOINT_URL_DYNAMODB_STREAMS: string;
  AWS_ENDPOINT_URL_SQS: string;
  AWS_ENDPOINT_URL_S3: string;
  AWS_ENDPOINT_URL_SESV2: string;
  TABLE_NAME: string;
  ORDER_EVENTS_QUEUE_URL: string;
  ORDER_EVENTS_DLQ_URL: string;
  /** aws-ses-v2-local's JSON list of sent mail: `{ templates, emails: [...] }`. */
  SES_STORE_URL: string;
  /** aws-ses-v2-local's web page listing sent mail. */
  MAIL_VIEWER_URL: string;
  /** DynamoDB Local itself, bypassing the conflict proxy that `AWS_ENDPOINT_URL_DYNAMODB` points at. */
  DYNAMODB_DIRECT_URL: string;
  /** The conflict proxy: `GET <url>/__proxy/stats`, `POST <url>/__proxy/reset` (see conflict-proxy-stats.ts). */
  CONFLICT_PROXY_URL: string;
  /** Product images bucket on fauxqs's S3. */
  IMAGES_BUCKET: string;
  /** `<S3 endpoint>/<bucket>`: where uploaded images are read back (CloudFront on AWS). */
  IMAGES_PUBLIC_URL: string;
}

type SdkEnvKey =
  | 'AWS_REGION'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
  | 'AWS_ENDPOINT_URL_DYNAMODB'
  | 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS'
  | 'AWS_ENDPOINT_URL_SQS'
  | 'AWS_ENDPOINT_URL_S3'
  | 'AWS_ENDPOINT_URL_SESV2';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEnv: EmulatorEnv;
  }
}

/** `ORDER_EVENTS_QUEUE_URL` → `ORDER_EVENTS_DLQ_URL`. */
export const deadLetterEnvVar = (queue: QueueDefinition): string => queue.envVar.replace(/_QUEUE_URL$/, '_DLQ_URL');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tableName = process.env.TABLE_NAME ?? 'integration-table';
  const imagesBucket = 'integration-images';
  const startedAt = performance.now();
  const emulators = await startEmulators({
    conflictProxy: true,
    log: process.env.EMULATORS_DEBUG ? (line) => console.log(line) : undefined,
  });
  const startupMs = Math.round(performance.now() - startedAt);

  try {
    if (!emulators.conflictProxy) throw new Error('startEmulators did not start the conflict proxy');
    const conflictProxyUrl = emulators.conflictProxy.url;
    // provision* build their SDK clients from process.env; point it at the emulators only while
    // provisioning so nothing else in this (main vitest) process is redirected.
    const queues = await withEnv(emulators.env, async () => {
      await provisionTable(tableName);
      await provisionBucket(imagesBucket);
      return provisionQueues();
    });

    const queueEnv: Record<string, string> = {};
    for (const queue of Object.values(queueDefinitions) as QueueDefinition[]) {
      queueEnv[queue.envVar] = queues.urls[queue.id];
      queueEnv[deadLetterEnvVar(queue)] = queues.deadLetterUrls[queue.id];
    }

    // startEmulators() documents these keys; the cast only names them for the compiler.
    const sdkEnv = emulators.env as Pick<EmulatorEnv, SdkEnvKey>;
    const env: EmulatorEnv = {
      ...sdkEnv,
      TABLE_NAME: tableName,
      ORDER_EVENTS_QUEUE_URL: queues.urls.orderEvents,
      ORDER_EVENTS_DLQ_URL: queues.deadLetterUrls.orderEvents,
      ...queueEnv,
      SES_STORE_URL: `${emulators.endpoints.ses}/store`,
      MAIL_VIEWER_URL: emulators.mailViewerUrl,
      DYNAMODB_DIRECT_URL: emulators.endpoints.dynamodbDirect,
      CONFLICT_PROXY_URL: conflictProxyUrl,
      IMAGES_BUCKET: imagesBucket,
      IMAGES_PUBLIC_URL: `${emulators.endpoints.s3}/${imagesBucket}`,
    };
    project.provide('emulatorEnv', env);
    console.log(
      `[integration] emulators up in ${startupMs} ms — DynamoDB ${emulators.endpoints.dynamodb} ` +
        `(conflict proxy in front of ${emulators.endpoints.dynamodbDirect}), ` +
        `SQS/S3 ${emulators.endpoints.sqs}, SES ${emulators.endpoints.ses} (mail viewer ${emulators.mailViewerUrl})`,
    );
  } catch (error) {
    // vitest only registers the teardown once setup returns: clean up ourselves.
    await emulators.stop();
    throw error;
  }

  return () => emulators.stop();
}

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
