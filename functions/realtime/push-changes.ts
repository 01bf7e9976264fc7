import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../../shared/logger.js';
import { withMetrics } from '../../shared/metrics.js';
import { carryOut } from '../../shared/realtime/realtime-delivery.js';
import { realtimeActions } from '../../shared/realtime/realtime-changes.js';

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
const plain = (image: Image) => (image ? unmarshall(image as Record<string, AttributeValue>) : undefined);

/**
 * Table stream consumer of the WebSocket API: pushes order and stock changes to the sockets
 * that may see them and closes the sockets of ended sessions. Its own event source mapping, so
 * email retries never push again and a push never fails an email. Best effort: every record
 * is tried once, in order, and the batch never fails (a lost push is followed by the next
 * change's full order; a lost close still leaves the socket's token refused by the HTTP API).
 */
export const handler = withMetrics(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const actions = event.Records.flatMap((record) =>
    realtimeActions({ keys: plain(record.dynamodb?.Keys) ?? {}, before: plain(record.dynamodb?.OldImage), after: plain(record.dynamodb?.NewImage) }),
  );
  const outcome = await carryOut(actions);
  logger.info('realtimePush', { records: event.Records.length, actions: actions.length, ...outcome });
  return { batchItemFailures: [] };
});
