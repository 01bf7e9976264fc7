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
 * A record the decision cannot read (a malformed item) is logged with its event id and skipped:
 * failing the batch would only push the records before it again.
 */
export const handler = withMetrics(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  let malformed = 0;
  const actions = event.Records.flatMap((record) => {
    try {
      return realtimeActions({ keys: plain(record.dynamodb?.Keys) ?? {}, before: plain(record.dynamodb?.OldImage), after: plain(record.dynamodb?.NewImage) });
    } catch (error) {
      malformed += 1;
      logger.warn('real-time: stream record skipped', { eventId: record.eventID, error });
      return [];
    }
  });
  const outcome = await carryOut(actions);
  logger.info('realtimePush', { records: event.Records.length, malformed, actions: actions.length, ...outcome });
  return { batchItemFailures: [] };
});
