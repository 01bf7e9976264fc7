import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { applyCounterChanges, type ItemChange } from '../../shared/analytics/counter-aggregator.js';
import { publishPlacedOrders } from '../../shared/events/placed-orders.js';
import { logger } from '../../shared/logger.js';
import { withMetrics } from '../../shared/metrics.js';

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
const plain = (image: Image) => (image ? unmarshall(image as Record<string, AttributeValue>) : undefined);

/**
 * DynamoDB stream consumer (NEW_AND_OLD_IMAGES, ReportBatchItemFailures) for the facts that
 * follow committed order and payment writes: the order.placed event of each new order
 * (shared/events/placed-orders.ts) and the daily analytics counters, each change counted
 * exactly once. The batch resumes (Lambda retries from the reported sequence number) at the
 * first record whose event could not be sent or whose counters failed, whichever is first:
 * counted records are recognised by their marker, events sent again by their id.
 */
export const handler = withMetrics(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const sequenceOf = new Map<ItemChange, string>();
  const changes = event.Records.flatMap((record) => {
    if (!record.eventID || !record.dynamodb?.SequenceNumber) return [];
    const change: ItemChange = {
      id: record.eventID,
      keys: plain(record.dynamodb.Keys) ?? {},
      before: plain(record.dynamodb.OldImage),
      after: plain(record.dynamodb.NewImage),
    };
    sequenceOf.set(change, record.dynamodb.SequenceNumber);
    return [change];
  });
  const unsent = await publishPlacedOrders(changes);
  const result = await applyCounterChanges(unsent ? changes.slice(0, changes.indexOf(unsent)) : changes);
  const { failedFrom: countersFailedFrom, error, ...counts } = result;
  const failedFrom = countersFailedFrom ?? unsent;
  logger.info('orderFacts', { records: event.Records.length, ...counts, eventsUnsent: unsent !== undefined, failed: failedFrom !== undefined });
  if (!failedFrom) return { batchItemFailures: [] };
  logger.error('order facts not applied; the batch resumes at this record', { eventId: failedFrom.id, error: error ?? 'order.placed not sent' });
  return { batchItemFailures: [{ itemIdentifier: sequenceOf.get(failedFrom)! }] };
});
