/**
 * Records, from the wire, which partition keys each DynamoDB request touches: the values IAM
 * evaluates as `dynamodb:LeadingKeys` (the table's `pk` of every item addressed, one per
 * transaction or batch item; for a Query on an index, that index's partition key value), with
 * the IAM action each one is authorised by. test/integration/least-privilege.test.ts checks
 * them against the partition key patterns a function declares (infra/route-types.ts
 * `TableAccess`), which DynamoDB Local cannot do: it ignores IAM.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableDefinition } from '../../infra/table-definition.js';
import { tableAccessOf, type Access, type KeyPatterns } from '../../infra/route-types.js';

/** One partition key a request touched, and the IAM action that authorises touching it. */
export interface Touch {
  /** `dynamodb:GetItem`, `dynamodb:PutItem`, ... (a transaction's items: their own actions). */
  readonly action: string;
  /** The wire operation (`TransactWriteItems`, `BatchGetItem`, ...). */
  readonly operation: string;
  /** Set for a Query on an index. */
  readonly index?: string;
  /** Undefined when the request names no partition key (a Scan): no LeadingKeys condition can allow that. */
  readonly pk: string | undefined;
}

type AttributeValue = { S?: string };
type Item = Record<string, AttributeValue | undefined>;
type Body = Record<string, any>;

const PARTITION_ATTRIBUTE = tableDefinition.partitionKey;
const indexPartitionAttribute = (index: string): string | undefined =>
  tableDefinition.globalSecondaryIndexes.find((gsi) => gsi.indexName === index)?.partitionKey;

const pkOf = (item: Item | undefined): string | undefined => item?.[PARTITION_ATTRIBUTE]?.S;

/** The partition key value of a Query: `<attr> = :v` in KeyConditionExpression (names resolved), or legacy KeyConditions. */
function queryPartition(body: Body, attribute: string): string | undefined {
  const names: Record<string, string> = body.ExpressionAttributeNames ?? {};
  const values: Record<string, AttributeValue> = body.ExpressionAttributeValues ?? {};
  const expression: string | undefined = body.KeyConditionExpression;
  if (expression) {
    for (const match of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const name = match[1]!.startsWith('#') ? names[match[1]!] : match[1];
      if (name === attribute) return values[match[2]!]?.S;
    }
    return undefined;
  }
  return body.KeyConditions?.[attribute]?.AttributeValueList?.[0]?.S;
}

/** What one request touches. */
export function touchesOf(operation: string, body: Body): Touch[] {
  const one = (action: string, pk: string | undefined, index?: string): Touch => ({ action: `dynamodb:${action}`, operation, pk, ...(index ? { index } : {}) });
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [one(operation, pkOf(body.Key))];
    case 'PutItem':
      return [one(operation, pkOf(body.Item))];
    case 'Query': {
      const index: string | undefined = body.IndexName;
      const attribute = index ? indexPartitionAttribute(index) : PARTITION_ATTRIBUTE;
      return [one('Query', attribute ? queryPartition(body, attribute) : undefined, index)];
    }
    case 'BatchGetItem':
      return Object.values(body.RequestItems as Record<string, { Keys: Item[] }>).flatMap((request) => request.Keys.map((key) => one('BatchGetItem', pkOf(key))));
    case 'BatchWriteItem':
      return Object.values(body.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>).flatMap((requests) =>
        requests.map((request) => one('BatchWriteItem', pkOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key))),
      );
    case 'TransactWriteItems':
      return (body.TransactItems as Body[]).map((item) => {
        if (item.Put) return one('PutItem', pkOf(item.Put.Item));
        if (item.Update) return one('UpdateItem', pkOf(item.Update.Key));
        if (item.Delete) return one('DeleteItem', pkOf(item.Delete.Key));
        return one('ConditionCheckItem', pkOf(item.ConditionCheck?.Key));
      });
    case 'TransactGetItems':
      return (body.TransactItems as Body[]).map((item) => one('GetItem', pkOf(item.Get?.Key)));
    default:
      // Scan, PartiQL, DescribeTable, ...: nothing a LeadingKeys-conditioned grant allows.
      return [one(operation, undefined)];
  }
}

/**
 * Adds a middleware to `client` (and so to every DocumentClient built from it: they share its
 * stack) that records what each request touches, read from the serialized request.
 */
export function recordTouches(client: DynamoDBClient): { readonly touches: Touch[]; take(): Touch[] } {
  const touches: Touch[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      const target = request.headers?.['x-amz-target'];
      if (!target) throw new Error('key recorder: a DynamoDB request without x-amz-target');
      // The serialized body: a string, or bytes (the SDK's JSON codec gives a Uint8Array).
      const text = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body);
      touches.push(...touchesOf(target.split('.').pop()!, JSON.parse(text) as Body));
      return next(args);
    },
    // After serialization, before the retry loop: one record per request, not per attempt.
    { step: 'build', name: 'leastPrivilegeKeyRecorder' },
  );
  return {
    touches,
    /** Everything recorded so far, then forgets it. */
    take: () => touches.splice(0, touches.length),
  };
}

/** IAM `StringLike`: `*` any run of characters, `?` one character, case-sensitive. */
export function stringLike(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const WRITE = [...READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * What IAM would deny of `touches` under `access` (as bindAccess grants it): a touch whose key
 * matches no declared pattern, a write under `read`, an index the access does not declare, or
 * any action but Query on an index. Empty: every request would be allowed.
 */
export function deniedTouches(access: Access, touches: readonly Touch[]): string[] {
  if (!access.table) return touches.map((touch) => `${touch.action} ${touch.pk}: no table access at all`);
  const { mode, keys, indexKeys } = tableAccessOf(access.table);
  const matches = (patterns: KeyPatterns | undefined, pk: string | undefined) => pk !== undefined && (patterns === undefined || patterns.some((p) => stringLike(p, pk)));
  return touches.flatMap((touch) => {
    const what = `${touch.action}${touch.index ? ` on ${touch.index}` : ''} of ${touch.pk ?? '(no partition key)'} (${touch.operation})`;
    if (touch.index) {
      if (touch.action !== 'dynamodb:Query') return [`${what}: only Query works on an index`];
      if (keys === undefined) return [];
      const patterns = indexKeys?.[touch.index as keyof typeof indexKeys];
      if (!patterns) return [`${what}: index ${touch.index} not declared`];
      return matches(patterns, touch.pk) ? [] : [`${what}: matches none of ${patterns.join(' ')}`];
    }
    if (!(mode === 'write' ? WRITE : READ).includes(touch.action)) return [`${what}: not granted to a ${mode} function`];
    return matches(keys, touch.pk) ? [] : [`${what}: matches none of ${keys!.join(' ')}`];
  });
}

/** Declared patterns (table and index) that no touch used: candidates for removal. */
export function unusedPatterns(access: Access, touches: readonly Touch[]): string[] {
  if (!access.table || typeof access.table === 'string') return [];
  const { keys, indexKeys } = tableAccessOf(access.table);
  const used = (patterns: KeyPatterns, index?: string) =>
    patterns.filter((pattern) => !touches.some((touch) => touch.index === index && touch.pk !== undefined && stringLike(pattern, touch.pk)));
  return [
    ...used(keys ?? []),
    ...Object.entries(indexKeys ?? {}).flatMap(([index, patterns]) => used(patterns ?? [], index).map((p) => `${index}: ${p}`)),
  ];
}
