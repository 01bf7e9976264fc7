/**
 * The StartMessageMoveTask path of `npm run dlq:redrive` (infra/ops/redrive-dlq.ts) with a
 * mocked SQS client: fauxqs lacks the action, so the integration test
 * (test/integration/dlq-redrive.test.ts) runs the receive-and-resend fallback for real.
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isUnsupportedAction, redriveDeadLetterQueue } from '../../infra/ops/redrive-dlq.js';

const SOURCE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/order-events';
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/order-events-dlq';
const arnOf = (url: string) => `arn:aws:sqs:eu-west-1:123456789012:${url.split('/').pop()}`;

const client = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const sqs = mockClient(client);

/** DLQ sizes answered one after the other (before, after). */
function queueAttributes(dlqSizes: number[]) {
  sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string; AttributeNames: string[] }) => {
    if (input.AttributeNames.includes('QueueArn')) return { Attributes: { QueueArn: arnOf(input.QueueUrl) } };
    return { Attributes: { ApproximateNumberOfMessages: String(dlqSizes.shift() ?? 0), ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' } };
  });
}

const serviceError = (name: string, httpStatusCode = 400) =>
  new SQSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: `${name} happened` });

beforeEach(() => sqs.reset());

describe('dlq:redrive with StartMessageMoveTask', () => {
  it('starts a move task from the DLQ to the source queue, waits for it and reports its counts', async () => {
    queueAttributes([25, 0]);
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 10, ApproximateNumberOfMessagesToMove: 25 }] })
      .resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 25, ApproximateNumberOfMessagesToMove: 25, SourceArn: arnOf(DLQ) }] });
    const log: string[] = [];

    const result = await redriveDeadLetterQueue({ client, sourceQueueUrl: SOURCE, deadLetterQueueUrl: DLQ, pollIntervalMs: 1, maxMessagesPerSecond: 50, log: (line) => log.push(line) });

    expect(result).toEqual({ method: 'move-task', before: 25, after: 0, moved: 25, failed: 0, returned: 0, taskStatus: 'COMPLETED', taskHandle: 'task-1' });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({ SourceArn: arnOf(DLQ), DestinationArn: arnOf(SOURCE), MaxNumberOfMessagesPerSecond: 50 });
    expect(sqs.commandCalls(ListMessageMoveTasksCommand)[0]!.args[0].input).toMatchObject({ SourceArn: arnOf(DLQ) });
    expect(log.join('\n')).toContain('10 of 25 moved');
    // SQS moved them: the script received and sent nothing itself.
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('reports a failed task (the CLI exits 1 then)', async () => {
    queueAttributes([3, 3]);
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'FAILED', FailureReason: 'AccessDenied', ApproximateNumberOfMessagesMoved: 0 }] });
    const result = await redriveDeadLetterQueue({ client, sourceQueueUrl: SOURCE, deadLetterQueueUrl: DLQ, pollIntervalMs: 1 });
    expect(result).toMatchObject({ method: 'move-task', taskStatus: 'FAILED', failureReason: 'AccessDenied', moved: 0, after: 3 });
  });

  it('with wait: false returns the running task at once', async () => {
    queueAttributes([4]);
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-3' });
    const result = await redriveDeadLetterQueue({ client, sourceQueueUrl: SOURCE, deadLetterQueueUrl: DLQ, wait: false });
    expect(result).toMatchObject({ method: 'move-task', taskStatus: 'RUNNING', taskHandle: 'task-3' });
    expect(sqs.commandCalls(ListMessageMoveTasksCommand)).toHaveLength(0);
  });

  it("does not fall back on SQS's own refusals (UnsupportedOperation, AccessDenied): they are real errors", async () => {
    for (const name of ['AWS.SimpleQueueService.UnsupportedOperation', 'UnsupportedOperation', 'AccessDenied', 'ResourceNotFoundException']) {
      sqs.reset();
      queueAttributes([5]);
      sqs.on(StartMessageMoveTaskCommand).rejects(serviceError(name));
      await expect(redriveDeadLetterQueue({ client, sourceQueueUrl: SOURCE, deadLetterQueueUrl: DLQ })).rejects.toThrow(`${name} happened`);
      expect(sqs.commandCalls(ReceiveMessageCommand), name).toHaveLength(0);
    }
  });

  it('falls back to receive-and-resend only where the endpoint lacks the action', async () => {
    queueAttributes([0, 0]);
    sqs.on(StartMessageMoveTaskCommand).rejects(serviceError('InvalidAction'));
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    const result = await redriveDeadLetterQueue({ client, sourceQueueUrl: SOURCE, deadLetterQueueUrl: DLQ });
    expect(result).toMatchObject({ method: 'resend', moved: 0 });
    expect(result.fallbackReason).toContain('InvalidAction');
  });

  it('tells "action not implemented" from other errors', () => {
    expect(isUnsupportedAction(serviceError('InvalidAction'))).toBe(true);
    expect(isUnsupportedAction(serviceError('com.amazonaws.sqs#InvalidAction'))).toBe(true);
    expect(isUnsupportedAction(serviceError('UnknownOperationException'))).toBe(true);
    expect(isUnsupportedAction(serviceError('NotImplemented', 501))).toBe(true);
    expect(isUnsupportedAction(serviceError('Whatever', 501))).toBe(true);
    expect(isUnsupportedAction(serviceError('AWS.SimpleQueueService.UnsupportedOperation'))).toBe(false);
    expect(isUnsupportedAction(serviceError('AccessDenied', 403))).toBe(false);
    expect(isUnsupportedAction(new Error('socket hang up'))).toBe(false);
    expect(isUnsupportedAction('InvalidAction')).toBe(false);
  });
});
