/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls a queue, invokes the
 * consumer with a real SQS event batch and deletes only the messages that were not reported
 * in `batchItemFailures` (none if the handler throws), as Lambda does.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localLambdaContext } from './lambda-context.js';

type Consumer = (event: SQSEvent, context: ReturnType<typeof localLambdaContext>) => Promise<SQSBatchResponse | void>;

export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}) },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: process.env.AWS_REGION ?? 'us-east-1',
  };
}

export interface Poller {
  stop(): Promise<void>;
}

export function startQueuePoller(options: {
  sqs: SQSClient;
  queueUrl: string;
  queueName: string;
  consumer: Consumer;
  consumerName: string;
  batchSize: number;
  /**
   * Local-only: how long a failed message stays invisible before redelivery. Lambda leaves
   * it for the queue's visibility timeout (minutes); locally that would stall development.
   */
  retryDelaySeconds?: number;
  log?: (line: string) => void;
}): Poller {
  const log = options.log ?? ((line: string) => console.log(line));
  const queueArn = `arn:aws:sqs:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:${options.queueName}`;
  let running = true;
  const abort = new AbortController();

  const pollOnce = async () => {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    if (Messages.length === 0) return;
    const event: SQSEvent = { Records: Messages.map((m) => toSqsRecord(m, queueArn)) };
    let failedIds: Set<string>;
    try {
      const response = await options.consumer(event, localLambdaContext(options.consumerName));
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      log(`[${options.consumerName}] invocation failed: ${error instanceof Error ? error.message : String(error)}`);
      failedIds = new Set(Messages.map((m) => m.MessageId!));
    }
    const succeeded = Messages.filter((m) => !failedIds.has(m.MessageId!));
    const failed = Messages.filter((m) => failedIds.has(m.MessageId!));
    if (succeeded.length > 0) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: succeeded.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    if (failed.length > 0 && options.retryDelaySeconds !== undefined) {
      await options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: failed.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: options.retryDelaySeconds! })),
        }),
      );
    }
    log(`[${options.consumerName}] batch of ${Messages.length}: ${succeeded.length} done, ${failed.length} failed`);
  };

  const loop = (async () => {
    while (running) {
      try {
        await pollOnce();
      } catch (error) {
        if (!running) break;
        log(`[${options.consumerName}] poll error: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    stop: async () => {
      running = false;
      abort.abort();
      await loop;
    },
  };
}
