import { COUNTED_SORT_KEYS } from '../shared/analytics/counters.js';
import type { ConsumerDefinition, StreamConsumerDefinition } from './route-types.js';

/** Queue consumers: the CDK stack wires each to its queue; the local stack polls for them. */
export const consumers: readonly ConsumerDefinition[] = [
  {
    id: 'orderEventsProcessor',
    handler: 'functions/events/process-order-events.ts',
    queue: 'orderEvents',
    batchSize: 10,
    timeoutSeconds: 30,
    // At most 2 batches at once (the smallest cap Lambda allows): up to 20 emails in flight,
    // against SES's default sending rate of 14 a second; SES throttles are retried by the SDK.
    // A backlog (after an SES or processor outage) drains at ~20 events a second instead of
    // fanning out to hundreds of instances that take the account's concurrency and get
    // throttled by SES into the DLQ. Raise it with the SES quota.
    maxConcurrency: 2,
    access: { table: 'write', sendEmail: true },
  },
];

/** Table stream consumers: CDK maps each to the table's stream; the local stack polls the stream for them. */
export const streamConsumers: readonly StreamConsumerDefinition[] = [
  {
    id: 'counterAggregator',
    handler: 'functions/analytics/aggregate-counters.ts',
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    timeoutSeconds: 60,
    retryAttempts: 100,
    filterPatterns: [
      ...COUNTED_SORT_KEYS.equals.map((sk) => ({ dynamodb: { Keys: { sk: { S: [sk] } } } })),
      ...COUNTED_SORT_KEYS.prefixes.map((prefix) => ({ dynamodb: { Keys: { sk: { S: [{ prefix }] } } } })),
    ],
    access: { table: 'write' },
  },
];
