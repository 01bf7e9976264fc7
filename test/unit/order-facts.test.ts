/**
 * The table-stream consumer `orderFacts`: order.placed leaves from the stream (an outbox), one
 * event per new order item with a deterministic id, and a batch whose event cannot be sent
 * resumes at that record, with the counters of the records before it applied.
 */
import { SendMessageCommand, SQSClient, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/events/order-facts.js';
import { placedOrderEvent } from '../../shared/events/placed-orders.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(TransactWriteCommand).resolves({});
});

const order = (id: string, status = 'pending') => ({
  pk: `ORDER#${id}`, sk: 'ORDER', type: 'order', id, userId: `user-${id}`, status, total: 700, createdAt: '2026-11-30T10:00:00.000Z', updatedAt: '2026-11-30T10:00:00.000Z',
  items: [{ productId: 'p1', quantity: 1, lineTotal: 700 }], statusHistory: [{ status, at: '2026-11-30T10:00:00.000Z' }],
});
let sequence = 0;
const record = (before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined) => {
  sequence += 1;
  const keys = { pk: (after ?? before)!.pk, sk: (after ?? before)!.sk };
  return {
    eventID: `ev-${sequence}`,
    eventName: before ? (after ? 'MODIFY' : 'REMOVE') : 'INSERT',
    dynamodb: {
      SequenceNumber: String(sequence),
      Keys: marshall(keys),
      ...(before ? { OldImage: marshall(before, { removeUndefinedValues: true }) } : {}),
      ...(after ? { NewImage: marshall(after, { removeUndefinedValues: true }) } : {}),
    },
  };
};
const sentEvents = () => sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse((call.args[0].input as SendMessageCommandInput).MessageBody!));
const markersWritten = () =>
  ddb.commandCalls(TransactWriteCommand).flatMap((call) => call.args[0].input.TransactItems!.flatMap((item) => (item.Put ? [String(item.Put.Item!.pk)] : [])));

describe('orderFacts (the table stream)', () => {
  it('one order.placed per new order item, with the id the processor deduplicates on; none for status changes or other items', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const event = { Records: [record(undefined, order('o1')), record(order('o1'), order('o1', 'paid')), record(undefined, { pk: 'PRODUCT#p1', sk: 'PRODUCT', type: 'product' }), record(undefined, order('o2'))] } as DynamoDBStreamEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(sentEvents()).toEqual([
      expect.objectContaining({ type: 'order.placed', id: 'order.placed:o1', data: { orderId: 'o1', userId: 'user-o1' } }),
      expect.objectContaining({ type: 'order.placed', id: 'order.placed:o2', data: { orderId: 'o2', userId: 'user-o2' } }),
    ]);
    // The same batch again (Lambda retries, or a second delivery): the same ids, which the processor drops.
    sqs.resetHistory();
    await handler(event);
    expect(sentEvents().map((sent) => sent.id)).toEqual(['order.placed:o1', 'order.placed:o2']);
  });

  it('an event that cannot be sent: the batch resumes at its record; the counters of the records before it are applied, none after', async () => {
    sqs.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => {
      if (JSON.parse(input.MessageBody!).data.orderId === 'o2') throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return { MessageId: 'm' };
    });
    const first = record(undefined, order('o1'));
    const failing = record(undefined, order('o2'));
    const after = record(undefined, order('o3'));
    const result = await handler({ Records: [first, failing, after] } as DynamoDBStreamEvent);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: failing.dynamodb.SequenceNumber }] });
    const markers = markersWritten().filter((pk) => pk.includes(first.eventID) || pk.includes(failing.eventID) || pk.includes(after.eventID));
    expect(markers.some((pk) => pk.includes(first.eventID))).toBe(true);
    expect(markers.some((pk) => pk.includes(failing.eventID) || pk.includes(after.eventID))).toBe(false);
  });

  it('placedOrderEvent: only an INSERT of an order item', () => {
    expect(placedOrderEvent({ id: 'e', keys: { pk: 'ORDER#o9', sk: 'ORDER' }, before: undefined, after: order('o9') })).toEqual({ id: 'order.placed:o9', orderId: 'o9', userId: 'user-o9' });
    expect(placedOrderEvent({ id: 'e', keys: { pk: 'ORDER#o9', sk: 'ORDER' }, before: order('o9'), after: order('o9', 'paid') })).toBeUndefined();
    expect(placedOrderEvent({ id: 'e', keys: { pk: 'ORDER#o9', sk: 'IDX#ALL' }, before: undefined, after: { type: 'orderIndex' } })).toBeUndefined();
    expect(placedOrderEvent({ id: 'e', keys: { pk: 'ORDER#o9', sk: 'PAYMENT#1' }, before: undefined, after: { type: 'payment' } })).toBeUndefined();
  });
});
