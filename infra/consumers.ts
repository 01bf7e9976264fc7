import type { ConsumerDefinition } from './route-types.js';

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
