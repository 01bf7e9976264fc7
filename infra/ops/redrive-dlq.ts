/**
 * `npm run dlq:redrive`: moves the messages of the order-events dead-letter queue back to the
 * order-events queue, once the reason they failed is fixed.
 *
 * - `StartMessageMoveTask` (SQS's own redrive) where the endpoint has it: SQS moves the
 *   messages itself; the script waits for the task and prints its counts.
 * - Otherwise (fauxqs locally, other emulators) receive-and-resend: receive up to 10 from the
 *   DLQ, send them to the source in one batch (body and message attributes as they were),
 *   delete from the DLQ only those the source accepted. A crash between send and delete
 *   leaves a message in both queues; the processor is idempotent per event id, so it is
 *   handled once anyway.
 *
 * Queue URLs: `--source` / `--dlq` (a URL or a queue name) or ORDER_EVENTS_QUEUE_URL /
 * ORDER_EVENTS_DLQ_URL (the stack outputs OrderEventsQueueUrl and DlqUrl). Exit code 1 when a
 * message could not be moved or the move task failed. See README, "Operations: redrive".
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type Message,
  type SendMessageBatchRequestEntry,
  type SendMessageBatchResult,
} from '@aws-sdk/client-sqs';
import { queueDefinitions } from '../queue-definitions.js';

export type RedriveMethod = 'move-task' | 'resend';

export interface RedriveOptions {
  readonly client: SQSClient;
  readonly sourceQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** `auto` (default): the move task, or receive-and-resend where the endpoint lacks it. */
  readonly method?: RedriveMethod | 'auto';
  /** Move task: wait until it ends (default), polling ListMessageMoveTasks. */
  readonly wait?: boolean;
  readonly pollIntervalMs?: number;
  /** Move task: rate limit (SQS's default: as fast as it can, up to 500/s). */
  readonly maxMessagesPerSecond?: number;
  /** Resend: stop after this many messages (default: until the DLQ answers empty). */
  readonly maxMessages?: number;
  /** Resend: long-poll seconds of each receive; an empty answer ends the run (default 1). */
  readonly receiveWaitSeconds?: number;
  /**
   * Resend: how long a received message stays hidden in the DLQ while it is being resent
   * (default 60 s). A message that could not be resent stays hidden that long, so this run
   * does not pick it up again.
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Resend: messages first sent at or after this time (epoch ms; default: the start of the
   * run) are ones this run moved that failed again and came back: they are left in the DLQ,
   * so a consumer that still fails cannot make the run loop forever.
   */
  readonly startedAt?: number;
  readonly log?: (line: string) => void;
}

export interface RedriveResult {
  readonly method: RedriveMethod;
  /** Why `auto` fell back to receive-and-resend. */
  readonly fallbackReason?: string;
  /** DLQ size before and after (approximate counts: visible + in flight + delayed). */
  readonly before: number;
  readonly after: number;
  /** Resend: exact; move task: SQS's ApproximateNumberOfMessagesMoved (0 if not waited). */
  readonly moved: number;
  /** Resend: messages the source refused (left in the DLQ). */
  readonly failed: number;
  /** Resend: messages that came back to the DLQ during this run (left there). */
  readonly returned: number;
  readonly taskStatus?: string;
  readonly taskHandle?: string;
  readonly failureReason?: string;
}

const BATCH = 10;

/** Moves every message of `deadLetterQueueUrl` to `sourceQueueUrl`. */
export async function redriveDeadLetterQueue(options: RedriveOptions): Promise<RedriveResult> {
  const log = options.log ?? (() => {});
  const method = options.method ?? 'auto';
  const before = await approximateSize(options.client, options.deadLetterQueueUrl);
  log(`dead-letter queue: ${before} message(s) (approximate)`);
  if (method !== 'resend') {
    try {
      return await moveTask(options, before, log);
    } catch (error) {
      if (method === 'move-task' || !isUnsupportedAction(error)) throw error;
      const fallbackReason = `StartMessageMoveTask unsupported by this endpoint (${errorName(error)}: ${(error as Error).message})`;
      log(`${fallbackReason}: receiving and resending instead`);
      return { ...(await resend(options, before, log)), fallbackReason };
    }
  }
  return resend(options, before, log);
}

async function moveTask(options: RedriveOptions, before: number, log: (line: string) => void): Promise<RedriveResult> {
  const { client } = options;
  const [sourceArn, deadLetterArn] = await Promise.all([queueArn(client, options.sourceQueueUrl), queueArn(client, options.deadLetterQueueUrl)]);
  const started = await client.send(
    new StartMessageMoveTaskCommand({
      SourceArn: deadLetterArn,
      DestinationArn: sourceArn,
      ...(options.maxMessagesPerSecond ? { MaxNumberOfMessagesPerSecond: options.maxMessagesPerSecond } : {}),
    }),
  );
  const taskHandle = started.TaskHandle;
  log(`move task started (StartMessageMoveTask): ${taskHandle ?? '(no handle)'}`);
  if (options.wait === false) {
    return { method: 'move-task', before, after: before, moved: 0, failed: 0, returned: 0, taskStatus: 'RUNNING', ...(taskHandle ? { taskHandle } : {}) };
  }
  let task: ListMessageMoveTasksResultEntry | undefined;
  for (;;) {
    const { Results = [] } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: deadLetterArn, MaxResults: 10 }));
    // Newest first; only a running task shows its handle.
    task = Results.find((entry) => entry.TaskHandle === taskHandle) ?? Results[0];
    if (task && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') break;
    log(`  ${task?.ApproximateNumberOfMessagesMoved ?? 0} of ${task?.ApproximateNumberOfMessagesToMove ?? '?'} moved...`);
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 2000));
  }
  const after = await approximateSize(client, options.deadLetterQueueUrl);
  return {
    method: 'move-task',
    before,
    after,
    moved: task.ApproximateNumberOfMessagesMoved ?? 0,
    failed: 0,
    returned: 0,
    ...(task.Status ? { taskStatus: task.Status } : {}),
    ...(taskHandle ? { taskHandle } : {}),
    ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
  };
}

async function resend(options: RedriveOptions, before: number, log: (line: string) => void): Promise<RedriveResult> {
  const { client, sourceQueueUrl, deadLetterQueueUrl } = options;
  const startedAt = options.startedAt ?? Date.now();
  const maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  const failedIds = new Set<string>();
  const returnedIds = new Set<string>();
  while (moved + failedIds.size < maxMessages) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(BATCH, maxMessages - moved - failedIds.size),
        WaitTimeSeconds: options.receiveWaitSeconds ?? 1,
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 60,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'AWSTraceHeader'],
      }),
    );
    if (Messages.length === 0) break;
    // Ends the run when a receive brings nothing new (no message moved, none seen before):
    // only messages that came back or could not be resent are left, whatever their visibility.
    let progress = false;
    const toMove: Message[] = [];
    for (const message of Messages) {
      if (Number(message.Attributes?.SentTimestamp ?? 0) < startedAt) toMove.push(message);
      else if (!returnedIds.has(message.MessageId!)) {
        returnedIds.add(message.MessageId!);
        progress = true;
      }
    }
    const sent: SendMessageBatchResult = toMove.length === 0 ? { Successful: [], Failed: [] } : await client.send(new SendMessageBatchCommand({ QueueUrl: sourceQueueUrl, Entries: toMove.map(resendEntry) }));
    for (const failure of sent.Failed ?? []) {
      const message = toMove[Number(failure.Id)]!;
      if (!failedIds.has(message.MessageId!)) progress = true;
      failedIds.add(message.MessageId!);
      log(`  not resent: ${message.MessageId}: ${failure.Code} ${failure.Message ?? ''} (left in the dead-letter queue)`);
    }
    const accepted = (sent.Successful ?? []).map((entry) => toMove[Number(entry.Id)]!);
    for (const message of accepted) failedIds.delete(message.MessageId!);
    if (accepted.length === 0) {
      if (progress) continue;
      break;
    }
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: deadLetterQueueUrl,
        Entries: accepted.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
    for (const failure of deleted.Failed ?? []) {
      // Resent but still in the DLQ: a later run resends it again; the processor skips the duplicate.
      log(`  resent but not deleted from the dead-letter queue: ${accepted[Number(failure.Id)]!.MessageId}: ${failure.Code}`);
    }
    moved += accepted.length;
    log(`  ${moved} resent`);
  }
  if (returnedIds.size > 0) log(`  ${returnedIds.size} message(s) came back to the dead-letter queue during this run (still failing?): left there`);
  const after = await approximateSize(client, deadLetterQueueUrl);
  return { method: 'resend', before, after, moved, failed: failedIds.size, returned: returnedIds.size };
}

/** The message as it was: body, message attributes and trace header (not its id or timestamps). */
function resendEntry(message: Message, index: number): SendMessageBatchRequestEntry {
  const trace = message.Attributes?.AWSTraceHeader;
  return {
    Id: String(index),
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0 ? { MessageAttributes: message.MessageAttributes } : {}),
    ...(trace ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: trace } } } : {}),
  };
}

async function approximateSize(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'].reduce(
    (sum, name) => sum + Number(Attributes[name as keyof typeof Attributes] ?? 0),
    0,
  );
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`no QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

/**
 * The endpoint does not implement the action at all (fauxqs: InvalidAction, others:
 * UnknownOperation / NotImplemented / HTTP 501). Anything else, e.g. SQS's
 * UnsupportedOperation for a queue that cannot be redriven or a missing permission, is a
 * real error and is not papered over by the fallback.
 */
export function isUnsupportedAction(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return /(^|[.#])(InvalidAction|UnknownOperation(Exception)?|NotImplemented(Exception)?)$/.test(error.name) || status === 501;
}

/** `--source` / `--dlq` accept a URL or a queue name (resolved with GetQueueUrl). */
async function resolveQueueUrl(client: SQSClient, value: string): Promise<string> {
  if (/^https?:\/\//.test(value)) return value;
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: value }));
  if (!QueueUrl) throw new Error(`queue ${value} not found`);
  return QueueUrl;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string' },
      dlq: { type: 'string' },
      method: { type: 'string', default: 'auto' },
      max: { type: 'string' },
      rate: { type: 'string' },
      wait: { type: 'boolean', default: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowNegative: true,
  });
  const queue = queueDefinitions.orderEvents;
  const dlqEnvVar = queue.envVar.replace(/_QUEUE_URL$/, '_DLQ_URL');
  if (values.help) {
    console.log(
      [
        'npm run dlq:redrive -- [--source <url|name>] [--dlq <url|name>] [--method auto|move-task|resend] [--max N] [--rate N] [--no-wait]',
        `  --source  the queue to move messages to (default: $${queue.envVar})`,
        `  --dlq     its dead-letter queue (default: $${dlqEnvVar})`,
        '  --method  auto (default): StartMessageMoveTask, else receive-and-resend',
        '  --max     resend: at most N messages;  --rate: move task, messages per second',
        '  --no-wait move task: print its handle and return without waiting',
      ].join('\n'),
    );
    return 0;
  }
  const source = values.source ?? process.env[queue.envVar];
  const dlq = values.dlq ?? process.env[dlqEnvVar];
  if (!source || !dlq) {
    console.error(
      `Which queues? Pass --source and --dlq (URL or queue name) or set ${queue.envVar} and ${dlqEnvVar}: ` +
        'on AWS the stack outputs OrderEventsQueueUrl and DlqUrl.',
    );
    return 2;
  }
  if (!['auto', 'move-task', 'resend'].includes(values.method)) {
    console.error(`--method must be auto, move-task or resend, not ${values.method}`);
    return 2;
  }
  // Local emulators: the queue URL's host is the endpoint (StartMessageMoveTask takes ARNs, not URLs).
  const endpointFromUrl = [source, dlq].find((value) => /^https?:\/\//.test(value) && !/\.amazonaws\.com(\.cn)?$/.test(new URL(value).hostname));
  const client = new SQSClient(process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL || !endpointFromUrl ? {} : { endpoint: new URL(endpointFromUrl).origin });
  try {
    const [sourceQueueUrl, deadLetterQueueUrl] = await Promise.all([resolveQueueUrl(client, source), resolveQueueUrl(client, dlq)]);
    console.log(`redrive ${deadLetterQueueUrl}\n     -> ${sourceQueueUrl}`);
    const result = await redriveDeadLetterQueue({
      client,
      sourceQueueUrl,
      deadLetterQueueUrl,
      method: values.method as RedriveOptions['method'],
      wait: values.wait,
      ...(values.max ? { maxMessages: Number(values.max) } : {}),
      ...(values.rate ? { maxMessagesPerSecond: Number(values.rate) } : {}),
      log: (line) => console.log(line),
    });
    console.log(
      [
        `method:  ${result.method === 'move-task' ? 'StartMessageMoveTask' : 'receive-and-resend'}${result.fallbackReason ? ' (fallback)' : ''}`,
        ...(result.taskHandle ? [`task:    ${result.taskHandle} ${result.taskStatus ?? ''}${result.failureReason ? `: ${result.failureReason}` : ''}`] : []),
        `moved:   ${result.moved}${result.method === 'move-task' ? ' (approximate)' : ''}`,
        ...(result.method === 'resend' ? [`failed:  ${result.failed}`, `came back during the run: ${result.returned}`] : []),
        `dead-letter queue: ${result.before} before, ${result.after} after (approximate)`,
      ].join('\n'),
    );
    return result.failed > 0 || result.taskStatus === 'FAILED' ? 1 : 0;
  } finally {
    client.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`redrive failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      process.exit(1);
    },
  );
}
