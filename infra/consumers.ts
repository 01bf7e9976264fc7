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
