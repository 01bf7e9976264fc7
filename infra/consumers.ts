import { COUNTED_SORT_KEYS } from '../shared/analytics/counters.js';
import { REALTIME_SORT_KEYS } from '../shared/realtime/realtime-changes.js';
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

/** Lambda event filter patterns letting through the items whose sort key is one of these or starts with one of those. */
const sortKeyFilters = (sortKeys: { readonly equals: readonly string[]; readonly prefixes: readonly string[] }) => [
  ...sortKeys.equals.map((sk) => ({ dynamodb: { Keys: { sk: { S: [sk] } } } })),
  ...sortKeys.prefixes.map((prefix) => ({ dynamodb: { Keys: { sk: { S: [{ prefix }] } } } })),
];

/**
 * Table stream consumers: CDK maps each to the table's stream; the local stack polls the
 * stream for them. Two at most: more readers of one stream shard get throttled.
 */
export const streamConsumers: readonly StreamConsumerDefinition[] = [
  {
    // order.placed (an outbox: POST /orders sends nothing itself) and the analytics counters.
    id: 'orderFacts',
    handler: 'functions/events/order-facts.ts',
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    timeoutSeconds: 60,
    retryAttempts: 100,
    filterPatterns: sortKeyFilters(COUNTED_SORT_KEYS),
    access: { table: 'write', sendTo: ['orderEvents'] },
  },
  {
    // WebSocket pushes and closes (shared/realtime/realtime-changes.ts). Best effort: it never
    // reports a failure, so the retry settings only cover a crashed invocation.
    id: 'realtimePush',
    handler: 'functions/realtime/push-changes.ts',
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 30,
    retryAttempts: 2,
    filterPatterns: sortKeyFilters(REALTIME_SORT_KEYS),
    access: {
      // Orders (read, for shipment changes) and connections (forgotten when gone or closed).
      table: { mode: 'write', keys: ['WS#*', 'ORDER#*'], indexKeys: { gsi1: ['WS#USER#*'], gsi2: ['WS#ADMINS'] } },
      manageConnections: true,
    },
  },
];
