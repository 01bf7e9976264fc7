import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { applyCounterChanges, type ItemChange } from '../../shared/analytics/counter-aggregator.js';
import { logger } from '../../shared/logger.js';
import { withMetrics } from '../../shared/metrics.js';

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
const plain = (image: Image) => (image ? unmarshall(image as Record<string, AttributeValue>) : undefined);

/**
 * DynamoDB stream consumer (NEW_AND_OLD_IMAGES, ReportBatchItemFailures): the daily analytics
 * counters, each change counted exactly once. A failed chunk is reported by its first record's
 * sequence number, so Lambda retries from there; what had counted is recognised by its marker.
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
  const result = await applyCounterChanges(changes);
  const { failedFrom, error, ...counts } = result;
  logger.info('aggregateCounters', { records: event.Records.length, ...counts, failed: failedFrom !== undefined });
  if (!failedFrom) return { batchItemFailures: [] };
  logger.error('counters not applied; the batch resumes at this record', { eventId: failedFrom.id, error });
  return { batchItemFailures: [{ itemIdentifier: sequenceOf.get(failedFrom)! }] };
});
