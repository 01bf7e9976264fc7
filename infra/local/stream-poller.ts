/**
 * The local stand-in for Lambda's DynamoDB stream event source mapping: reads every shard of
 * the table's stream (DynamoDB Local has Streams), invokes the consumer with real
 * `DynamoDBStreamEvent` batches in shard order, parents before children, and honours
 * `batchItemFailures` (the batch resumes at the first reported sequence number after a
 * delay, as Lambda retries it; a throw retries the whole batch).
 *
 * The streams client is built from the standard `AWS_ENDPOINT_URL_DYNAMODB_STREAMS` variable.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { localLambdaContext } from './lambda-context.js';

type Consumer = (event: DynamoDBStreamEvent, context: ReturnType<typeof localLambdaContext>) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPoller {
  /** Resolves once a full pass over every shard, started after the call, found nothing new. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? process.env.AWS_REGION ?? 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(change.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      Keys: change.Keys as never,
      ...(change.NewImage ? { NewImage: change.NewImage as never } : {}),
      ...(change.OldImage ? { OldImage: change.OldImage as never } : {}),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType as never,
    },
  };
}

interface ShardState {
  readonly shard: Shard;
  iterator: string | undefined;
  closed: boolean;
  retryAt: number;
}

export function startStreamPoller(options: {
  tableName: string;
  consumer: Consumer;
  consumerName: string;
  batchSize: number;
  /** Where shards open at start begin: LATEST skips what was written before (tests); shards found later always start at TRIM_HORIZON. */
  startAt?: 'TRIM_HORIZON' | 'LATEST';
  intervalMs?: number;
  /** Local-only: how long a failed batch waits before it is retried. */
  retryDelayMs?: number;
  log?: (line: string) => void;
}): StreamPoller {
  const log = options.log ?? ((line: string) => console.log(line));
  const intervalMs = options.intervalMs ?? 200;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const dynamodb = new DynamoDBClient({});
  const streams = new DynamoDBStreamsClient({});
  const shards = new Map<string, ShardState>();
  let streamArn: string | undefined;
  let firstDiscovery = true;
  let running = true;
  let pass = 0;
  const quietPasses: ((pass: number) => void)[] = [];

  const iteratorFor = async (shardId: string, type: ShardIteratorType, sequenceNumber?: string) =>
    (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type, SequenceNumber: sequenceNumber }))).ShardIterator;

  const discover = async () => {
    streamArn ??= (await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }))).Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
    let exclusiveStart: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStart }));
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shards.has(shard.ShardId!)) continue;
        const startAt = firstDiscovery && options.startAt === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
        shards.set(shard.ShardId!, { shard, iterator: await iteratorFor(shard.ShardId!, startAt), closed: false, retryAt: 0 });
      }
      exclusiveStart = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStart);
    firstDiscovery = false;
  };

  /** Reads one batch of a shard and hands it to the consumer; true if it found records. */
  const pollShard = async (state: ShardState): Promise<boolean> => {
    if (state.closed || !state.iterator || Date.now() < state.retryAt) return false;
    const parent = state.shard.ParentShardId ? shards.get(state.shard.ParentShardId) : undefined;
    if (parent && !parent.closed) return false;
    const { Records = [], NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: options.batchSize }));
    if (Records.length === 0) {
      state.iterator = NextShardIterator;
      state.closed = !NextShardIterator;
      return false;
    }
    const event: DynamoDBStreamEvent = { Records: Records.map((record) => toLambdaRecord(record, streamArn!)) };
    let failedAt: string | undefined;
    try {
      const response = await options.consumer(event, localLambdaContext(options.consumerName, 60));
      failedAt = response?.batchItemFailures?.[0]?.itemIdentifier;
    } catch (error) {
      log(`[${options.consumerName}] invocation failed: ${error instanceof Error ? error.message : String(error)}`);
      failedAt = Records[0]!.dynamodb!.SequenceNumber;
    }
    if (failedAt) {
      state.iterator = await iteratorFor(state.shard.ShardId!, 'AT_SEQUENCE_NUMBER', failedAt);
      state.retryAt = Date.now() + retryDelayMs;
      log(`[${options.consumerName}] batch of ${Records.length}: retrying from ${failedAt}`);
    } else {
      state.iterator = NextShardIterator;
      state.closed = !NextShardIterator;
    }
    return true;
  };

  const loop = (async () => {
    while (running) {
      const startedPass = ++pass;
      let found = false;
      try {
        await discover();
        for (const state of shards.values()) found = (await pollShard(state)) || found;
      } catch (error) {
        if (!running) break;
        found = true;
        log(`[${options.consumerName}] stream poll error: ${error instanceof Error ? error.message : String(error)}`);
      }
      const pendingRetry = [...shards.values()].some((state) => !state.closed && state.retryAt > Date.now());
      if (!found && !pendingRetry) for (const notify of quietPasses.splice(0)) notify(startedPass);
      if (!found) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    idle: (timeoutMs = 30_000) => {
      const calledAt = pass;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.consumerName}: the stream was not drained within ${timeoutMs} ms`)), timeoutMs);
        const wait = (quietPass: number) => {
          if (quietPass > calledAt) {
            clearTimeout(timer);
            resolve();
          } else quietPasses.push(wait);
        };
        quietPasses.push(wait);
      });
    },
    stop: async () => {
      running = false;
      await loop;
      dynamodb.destroy();
      streams.destroy();
    },
  };
}
