/**
 * Exactly-once side effects for queue consumers.
 *
 *   pk EVENT#<event id> sk PROCESSED {status: in_progress | done, leaseUntil}
 *
 * A consumer claims an event with a conditional put before its side effect and marks it done
 * right after. A redelivered (or concurrently delivered) message finds `done` and skips, or
 * finds a live lease and is retried later. Only a crash in the milliseconds between SES
 * accepting the mail and the `done` write, followed by lease expiry, can repeat an email.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { isConditionFailure } from '../dynamo-errors.js';

const processedKey = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'PROCESSED' });
/** Longer than the SQS retention (14 days), so a late redelivery is still recognised. */
const RETENTION_SECONDS = 15 * 24 * 3600;

export type ClaimResult = 'claimed' | 'done' | 'busy';

export async function claimEvent(eventId: string, leaseMs: number, now = Date.now()): Promise<ClaimResult> {
  try {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...processedKey(eventId),
          type: 'processedEvent',
          status: 'in_progress',
          leaseUntil: now + leaseMs,
          ttl: Math.floor(now / 1000) + RETENTION_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': 'in_progress', ':now': now },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return 'claimed';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // The SDK returns the old item in wire format (`{S: 'done'}`) on the exception.
    const status = (error as { Item?: Record<string, { S?: string } | undefined> }).Item?.status;
    return status?.S === 'done' ? 'done' : 'busy';
  }
}

export async function completeEvent(eventId: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: processedKey(eventId),
      UpdateExpression: 'SET #status = :done, completedAt = :now',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':done': 'done', ':now': new Date().toISOString() },
    }),
  );
}

/** Gives the claim back after a failed side effect so the redelivery can try again at once. */
export async function releaseEvent(eventId: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: processedKey(eventId),
      UpdateExpression: 'SET leaseUntil = :zero',
      ConditionExpression: '#status = :inProgress',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':zero': 0, ':inProgress': 'in_progress' },
    }),
  ).catch((error: unknown) => {
    if (!isConditionFailure(error)) throw error;
  });
}
