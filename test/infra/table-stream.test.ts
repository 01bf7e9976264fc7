/**
 * The table's stream and its consumers (the analytics counters): the stream carries old and
 * new images, each consumer reads it with partial batch failures, bounded retries, a failure
 * queue, and an event filter limited to the items that move counters.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { streamConsumers } from '../../infra/consumers.js';
import { countedItem } from '../../shared/analytics/counters.js';
import { defaultStack, logicalId } from '../support/synth-stack.js';

describe('table stream and counter aggregator', () => {
  it('the table streams NEW_AND_OLD_IMAGES', () => {
    const { template } = defaultStack();
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  it('each stream consumer: TRIM_HORIZON, ReportBatchItemFailures, bounded retries, failure queue, key filter', () => {
    const { stack, template } = defaultStack();
    for (const consumer of streamConsumers) {
      const fn = stack.functions.get(`StreamConsumer${consumer.id.charAt(0).toUpperCase()}${consumer.id.slice(1)}`);
      expect(fn, consumer.id).toBeDefined();
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(fn!) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: consumer.batchSize,
        MaximumBatchingWindowInSeconds: consumer.maxBatchingWindowSeconds,
        MaximumRetryAttempts: consumer.retryAttempts,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.streamFailureQueue), 'Arn'] } } },
        FilterCriteria: { Filters: Match.arrayWith([{ Pattern: JSON.stringify({ dynamodb: { Keys: { sk: { S: ['ORDER'] } } } }) }]) },
      });
    }
  });

  it('the event filter passes exactly the items the aggregator counts', () => {
    const [consumer] = streamConsumers;
    const patterns = consumer!.filterPatterns.map((pattern) => JSON.stringify(pattern));
    expect(patterns).toEqual([
      JSON.stringify({ dynamodb: { Keys: { sk: { S: ['ORDER'] } } } }),
      JSON.stringify({ dynamodb: { Keys: { sk: { S: [{ prefix: 'PAYMENT#' }] } } } }),
    ]);
    for (const sk of ['ORDER', 'PAYMENT#x']) expect(countedItem({ sk })).toBe(true);
    // Refunds count through their payment's `refunded` (issue 11 item 11), not their own items.
    expect(countedItem({ sk: 'REFUND#ch' })).toBe(false);
  });
});
