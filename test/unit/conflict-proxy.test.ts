/**
 * The conflict proxy against a fake DynamoDB (a tiny node:http server this file controls): the
 * fake can hold a request of a given operation until the test releases it, so overlaps are
 * deterministic. Clients are the real SDK v3 clients pointed at the proxy, so the error shapes
 * are checked as the application will see them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import {
  DynamoDBClient,
  ListTablesCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatHottestKeys, startConflictProxy, type ConflictProxy, type ConflictProxyOptions } from '../../infra/local/conflict-proxy.js';

// ---------------------------------------------------------------------------------------------
// Fake DynamoDB

type Value = { S?: string; N?: string };
type Item = Record<string, Value>;
type Body = Record<string, unknown>;

const TABLE = 'shop';
/** Table `shop`: pk/sk; gsi1 (gsi1pk, gsi1sk), gsi2 (gsi2pk only). */
const DESCRIPTION = {
  TableName: TABLE,
  TableStatus: 'ACTIVE',
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'gsi1',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
    },
    { IndexName: 'gsi2', KeySchema: [{ AttributeName: 'gsi2pk', KeyType: 'HASH' }] },
  ],
};
/** A table without GSIs: counting needs no reads there. */
const PLAIN_TABLE = 'plain';

interface Gate {
  /** Resolves when the held request has reached the fake. */
  arrived: Promise<void>;
  release(): void;
}

class FakeDynamo {
  /** Every operation received, in order. */
  readonly operations: string[] = [];
  readonly items = new Map<string, Item>();
  private readonly gates = new Map<string, { arrived: () => void; released: Promise<void> }[]>();
  private server?: http.Server;

  /** The next request of `operation` waits (before it is applied) until `release()`. */
  hold(operation: string): Gate {
    let arrived!: () => void;
    let release!: () => void;
    const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const queue = this.gates.get(operation) ?? [];
    queue.push({ arrived, released });
    this.gates.set(operation, queue);
    return { arrived: arrivedPromise, release };
  }

  get(table: string, pk: string, sk: string): Item | undefined {
    return this.items.get(this.id(table, { pk: { S: pk }, sk: { S: sk } }));
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const operation = String(req.headers['x-amz-target']).split('.')[1]!;
        this.operations.push(operation);
        const gate = this.gates.get(operation)?.shift();
        gate?.arrived();
        void (gate?.released ?? Promise.resolve()).then(() => {
          const [status, output, headers] = this.apply(operation, JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body);
          const body = Buffer.from(JSON.stringify(output));
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': body.length, ...headers });
          res.end(body);
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  private id(table: string, item: Item): string {
    return JSON.stringify([table, item.pk, item.sk]);
  }

  private apply(operation: string, body: Body): [number, Body, Record<string, string>?] {
    const tables = [body.TableName, ...((body.TransactItems ?? []) as Body[]).map((entry) => (Object.values(entry)[0] as Body).TableName)];
    if (tables.some((table) => table !== undefined && table !== TABLE && table !== PLAIN_TABLE)) {
      return [400, { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' }];
    }
    switch (operation) {
      case 'DescribeTable':
        return [200, { Table: body.TableName === TABLE ? DESCRIPTION : { ...DESCRIPTION, TableName: PLAIN_TABLE, GlobalSecondaryIndexes: undefined } }];
      case 'ListTables': {
        // Like DynamoDB: a CRC32 of the body, which the proxy must pass on untouched.
        const output = { TableNames: [TABLE, PLAIN_TABLE] };
        return [200, output, { 'x-amz-crc32': String(crc32(JSON.stringify(output))) }];
      }
      case 'GetItem': {
        const item = this.items.get(this.id(body.TableName as string, body.Key as Item));
        return [200, item ? { Item: item } : {}];
      }
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
        const failed = this.write(operation.replace('Item', ''), body);
        return failed ? [400, { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' }] : [200, {}];
      }
      case 'TransactWriteItems':
        for (const entry of body.TransactItems as Body[]) {
          const [kind, spec] = Object.entries(entry)[0]!;
          if (kind !== 'ConditionCheck') this.write(kind, spec as Body);
        }
        return [200, {}];
      case 'TransactGetItems':
        return [
          200,
          {
            Responses: (body.TransactItems as { Get: Body }[]).map(({ Get }) => {
              const item = this.items.get(this.id(Get.TableName as string, Get.Key as Item));
              return item ? { Item: item } : {};
            }),
          },
        ];
      case 'BatchWriteItem':
        for (const [table, requests] of Object.entries(body.RequestItems as Record<string, Body[]>)) {
          for (const request of requests) {
            if (request.PutRequest) this.write('Put', { TableName: table, ...(request.PutRequest as Body) });
            else this.write('Delete', { TableName: table, ...(request.DeleteRequest as Body) });
          }
        }
        return [200, { UnprocessedItems: {} }];
      default:
        return [400, { __type: 'com.amazonaws.dynamodb.v20120810#UnknownOperationException' }];
    }
  }

  /** Applies one write; returns true when its (only supported) condition `attribute_not_exists(pk)` fails. */
  private write(kind: string, spec: Body): boolean {
    const table = spec.TableName as string;
    const key = (spec.Key ?? spec.Item) as Item;
    const id = this.id(table, key);
    if (spec.ConditionExpression === 'attribute_not_exists(pk)' && this.items.has(id)) return true;
    if (kind === 'Put') this.items.set(id, spec.Item as Item);
    if (kind === 'Delete') this.items.delete(id);
    if (kind === 'Update') {
      // Only `SET a = :a, #b = :b`: enough to move GSI keys around.
      const item: Item = { ...(this.items.get(id) ?? { pk: key.pk!, sk: key.sk! }) };
      const names = (spec.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (spec.ExpressionAttributeValues ?? {}) as Record<string, Value>;
      for (const assignment of String(spec.UpdateExpression).replace(/^SET\s+/i, '').split(',')) {
        const [name, value] = assignment.split('=').map((part) => part.trim()) as [string, string];
        item[names[name] ?? name] = values[value]!;
      }
      this.items.set(id, item);
    }
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Setup

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<ConflictProxyOptions> = {}) {
  const fake = new FakeDynamo();
  const target = await fake.start();
  cleanups.push(() => fake.stop());
  const proxy = await startConflictProxy({ target, ...options });
  cleanups.push(() => proxy.close());
  const client = new DynamoDBClient({
    endpoint: proxy.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  cleanups.push(() => client.destroy());
  const documents = DynamoDBDocumentClient.from(client);
  return { fake, proxy, client, documents };
}

const catchError = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
};

/** The `CancellationReasons` of a request expected to fail with `TransactionCanceledException`. */
const cancellationReasons = async (promise: Promise<unknown>) => {
  const error = await catchError(promise);
  if (!(error instanceof TransactionCanceledException)) throw new Error(`expected TransactionCanceledException, got ${error.name}: ${error.message}`);
  return error.CancellationReasons;
};

const key = (pk: string, sk = 'A') => ({ pk, sk });
const put = (pk: string, attributes: Record<string, string> = {}) => ({ Put: { TableName: TABLE, Item: { ...key(pk), ...attributes } } });
const update = (pk: string, attribute = 'x', value = '1') => ({
  Update: { TableName: TABLE, Key: key(pk), UpdateExpression: `SET ${attribute} = :v`, ExpressionAttributeValues: { ':v': value } },
});

const CONFLICT = { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' };

// ---------------------------------------------------------------------------------------------

describe('TransactWriteItems vs an in-flight TransactWriteItems', () => {
  it('cancels the second one, TransactionConflict at the shared item and None elsewhere', async () => {
    const { fake, proxy, client, documents } = await setup();
    const gate = fake.hold('TransactWriteItems');
    const first = documents.send(new TransactWriteCommand({ TransactItems: [put('P#1'), put('P#2')] }));
    await gate.arrived;

    // Low-level client: the error exactly as the SDK deserializes it.
    const error = await catchError(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: { S: 'P#3' }, sk: { S: 'A' } } } },
            { Update: { TableName: TABLE, Key: { pk: { S: 'P#2' }, sk: { S: 'A' } }, UpdateExpression: 'SET x = :v', ExpressionAttributeValues: { ':v': { S: '2' } } } },
          ],
        }),
      ),
    );
    if (!(error instanceof TransactionCanceledException)) throw error;
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.message).toBe('Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]');
    expect(error.CancellationReasons).toEqual([{ Code: 'None' }, CONFLICT]);
    expect(error.$metadata.httpStatusCode).toBe(400);
    // The cancelled transaction never reached the backend, and wrote nothing.
    expect(fake.operations.filter((operation) => operation === 'TransactWriteItems')).toHaveLength(1);
    expect(fake.get(TABLE, 'P#3', 'A')).toBeUndefined();

    gate.release();
    await expect(first).resolves.toBeDefined();
    expect(fake.get(TABLE, 'P#2', 'A')).toBeDefined();

    // Once the first one is done, the item is free again.
    await expect(documents.send(new TransactWriteCommand({ TransactItems: [update('P#2', 'x', '3')] }))).resolves.toBeDefined();
    expect(fake.get(TABLE, 'P#2', 'A')?.x).toEqual({ S: '3' });
    expect(proxy.stats()).toMatchObject({ transactions: 3, transactionConflicts: 1, heldItems: 0 });
    // Which partition key the conflict was on (P#3, also in the cancelled transaction, was free).
    expect(proxy.stats().conflictKeys).toEqual([{ table: TABLE, key: 'P#2', conflicts: 1 }]);
  });

  it('lets transactions on different items run side by side', async () => {
    const { fake, proxy, documents } = await setup();
    const gate = fake.hold('TransactWriteItems');
    const first = documents.send(new TransactWriteCommand({ TransactItems: [put('P#1'), put('P#2')] }));
    await gate.arrived;
    await expect(documents.send(new TransactWriteCommand({ TransactItems: [put('P#3'), update('P#4')] }))).resolves.toBeDefined();
    expect(proxy.stats().heldItems).toBe(2);
    gate.release();
    await expect(first).resolves.toBeDefined();
    expect(proxy.stats()).toMatchObject({ transactions: 2, transactionConflicts: 0, heldItems: 0 });
  });

  it('treats a ConditionCheck as touching its item', async () => {
    const { fake, documents } = await setup();
    const gate = fake.hold('TransactWriteItems');
    const first = documents.send(
      new TransactWriteCommand({ TransactItems: [{ ConditionCheck: { TableName: TABLE, Key: key('P#1'), ConditionExpression: 'attribute_exists(pk)' } }] }),
    );
    await gate.arrived;
    expect(await cancellationReasons(documents.send(new TransactWriteCommand({ TransactItems: [update('P#1')] })))).toEqual([CONFLICT]);
    gate.release();
    await first;
  });

  it('holds the items for transactionLatencyMs before forwarding', async () => {
    const { fake, proxy, documents } = await setup({ transactionLatencyMs: 300 });
    const first = documents.send(new TransactWriteCommand({ TransactItems: [put('P#1')] }));
    await vi.waitFor(() => expect(proxy.stats().heldItems).toBe(1));
    expect(fake.operations).not.toContain('TransactWriteItems');
    const error = await catchError(documents.send(new TransactWriteCommand({ TransactItems: [update('P#1')] })));
    expect(error.name).toBe('TransactionCanceledException');
    await first;
    expect(proxy.stats().heldItems).toBe(0);
  });
});

describe('single writes vs an in-flight TransactWriteItems', () => {
  it('answers TransactionConflictException to PutItem, UpdateItem and DeleteItem on a held item', async () => {
    const { fake, proxy, documents } = await setup();
    const gate = fake.hold('TransactWriteItems');
    const transaction = documents.send(new TransactWriteCommand({ TransactItems: [put('P#1')] }));
    await gate.arrived;

    const attempts = [
      documents.send(new PutCommand({ TableName: TABLE, Item: { ...key('P#1'), x: 'put' } })),
      documents.send(new UpdateCommand({ TableName: TABLE, Key: key('P#1'), UpdateExpression: 'SET x = :v', ExpressionAttributeValues: { ':v': 'u' } })),
      documents.send(new DeleteCommand({ TableName: TABLE, Key: key('P#1') })),
    ];
    for (const attempt of attempts) {
      const error = await catchError(attempt);
      expect(error.name).toBe('TransactionConflictException');
      expect(error.message).toBe('Transaction is ongoing for the item');
    }
    // Another item, and reads, are not affected.
    await expect(documents.send(new PutCommand({ TableName: TABLE, Item: key('P#2') }))).resolves.toBeDefined();
    await expect(documents.send(new GetCommand({ TableName: TABLE, Key: key('P#1') }))).resolves.toBeDefined();

    gate.release();
    await transaction;
    expect(fake.get(TABLE, 'P#1', 'A')).toEqual({ pk: { S: 'P#1' }, sk: { S: 'A' } });
    expect(proxy.stats()).toMatchObject({ singleWriteConflicts: 3 });
    await expect(documents.send(new DeleteCommand({ TableName: TABLE, Key: key('P#1') }))).resolves.toBeDefined();
  });

  it('does not cancel a TransactWriteItems touching an item of an in-flight single write', async () => {
    const { fake, documents } = await setup();
    const gate = fake.hold('PutItem');
    const single = documents.send(new PutCommand({ TableName: TABLE, Item: key('P#1') }));
    await gate.arrived;
    await expect(documents.send(new TransactWriteCommand({ TransactItems: [update('P#1')] }))).resolves.toBeDefined();
    gate.release();
    await single;
  });

  it('returns BatchWriteItem writes on a held item in UnprocessedItems and writes the rest', async () => {
    const { fake, proxy, documents } = await setup();
    const gate = fake.hold('TransactWriteItems');
    const transaction = documents.send(new TransactWriteCommand({ TransactItems: [put('P#1')] }));
    await gate.arrived;

    const output = await documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: [{ PutRequest: { Item: { ...key('P#1'), x: 'batch' } } }, { PutRequest: { Item: key('P#2') } }, { DeleteRequest: { Key: key('P#3') } }],
        },
      }),
    );
    expect(output.UnprocessedItems).toEqual({ [TABLE]: [{ PutRequest: { Item: { ...key('P#1'), x: 'batch' } } }] });
    expect(fake.get(TABLE, 'P#2', 'A')).toBeDefined();

    // All of a batch held: nothing is forwarded, everything comes back.
    const allHeld = await documents.send(new BatchWriteCommand({ RequestItems: { [TABLE]: [{ DeleteRequest: { Key: key('P#1') } }] } }));
    expect(allHeld.UnprocessedItems).toEqual({ [TABLE]: [{ DeleteRequest: { Key: key('P#1') } }] });
    expect(fake.operations.filter((operation) => operation === 'BatchWriteItem')).toHaveLength(1);

    gate.release();
    await transaction;
    expect(fake.get(TABLE, 'P#1', 'A')?.x).toBeUndefined();
    expect(proxy.stats().batchWriteConflicts).toBe(2);
  });
});

describe('TransactGetItems', () => {
  it('is cancelled by an in-flight single write on one of its items', async () => {
    const { fake, proxy, documents } = await setup();
    const gate = fake.hold('PutItem');
    const single = documents.send(new PutCommand({ TableName: TABLE, Item: key('P#2') }));
    await gate.arrived;
    const reasons = await cancellationReasons(
      documents.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: TABLE, Key: key('P#1') } }, { Get: { TableName: TABLE, Key: key('P#2') } }] })),
    );
    expect(reasons).toEqual([{ Code: 'None' }, CONFLICT]);
    gate.release();
    await single;
    await expect(documents.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: TABLE, Key: key('P#2') } }] }))).resolves.toMatchObject({
      Responses: [{ Item: key('P#2') }],
    });
    expect(proxy.stats()).toMatchObject({ transactions: 2, transactionConflicts: 1 });
  });

  it('is cancelled by an in-flight TransactWriteItems and by an in-flight BatchWriteItem', async () => {
    const { fake, client, documents } = await setup();
    const transactionGate = fake.hold('TransactWriteItems');
    const transaction = documents.send(new TransactWriteCommand({ TransactItems: [put('P#1')] }));
    await transactionGate.arrived;
    const batchGate = fake.hold('BatchWriteItem');
    const batch = documents.send(new BatchWriteCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: key('P#2') } }] } }));
    await batchGate.arrived;

    const get = (pk: string) => new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: TABLE, Key: { pk: { S: pk }, sk: { S: 'A' } } } }] });
    for (const pk of ['P#1', 'P#2']) {
      expect(await cancellationReasons(client.send(get(pk)))).toEqual([CONFLICT]);
    }
    transactionGate.release();
    batchGate.release();
    await Promise.all([transaction, batch]);
  });

  it('fails when one of its items is written while it is in flight; the write succeeds', async () => {
    const { fake, documents } = await setup();
    const gate = fake.hold('TransactGetItems');
    const read = cancellationReasons(
      documents.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: TABLE, Key: key('P#1') } }, { Get: { TableName: TABLE, Key: key('P#2') } }] })),
    );
    await gate.arrived;
    await expect(documents.send(new UpdateCommand({ TableName: TABLE, Key: key('P#2'), UpdateExpression: 'SET x = :v', ExpressionAttributeValues: { ':v': '1' } }))).resolves.toBeDefined();
    gate.release();
    expect(await read).toEqual([{ Code: 'None' }, CONFLICT]);
  });
});

describe('write counting', () => {
  it('attributes successful writes to table and GSI partition keys, with peak per second and share', async () => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 0, 100);
    const { fake, proxy, documents } = await setup({ now: () => clock });

    // Second 1: two puts and an update that moves item A from gsi2 STATUS#pending to STATUS#paid.
    await documents.send(new PutCommand({ TableName: TABLE, Item: { ...key('P#1', 'A'), gsi1pk: 'ORDERS', gsi1sk: '1', gsi2pk: 'STATUS#pending' } }));
    await documents.send(new PutCommand({ TableName: TABLE, Item: { ...key('P#1', 'B'), gsi1pk: 'ORDERS', gsi1sk: '2' } }));
    await documents.send(new UpdateCommand({ TableName: TABLE, Key: key('P#1', 'A'), UpdateExpression: 'SET gsi2pk = :s', ExpressionAttributeValues: { ':s': 'STATUS#paid' } }));
    // A failed conditional write counts nothing.
    await expect(
      documents.send(new PutCommand({ TableName: TABLE, Item: { ...key('P#1', 'A'), gsi1pk: 'OTHER', gsi1sk: '9' }, ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toThrow();

    // Second 2: a transaction (its ConditionCheck is no write), then a delete.
    clock += 1_500;
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: TABLE, Key: key('P#1', 'B'), UpdateExpression: 'SET x = :v', ExpressionAttributeValues: { ':v': '1' } } },
          { Put: { TableName: TABLE, Item: { ...key('P#2', 'C'), gsi1pk: 'ORDERS', gsi1sk: '3' } } },
          { ConditionCheck: { TableName: TABLE, Key: key('P#1', 'A'), ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    await documents.send(new DeleteCommand({ TableName: TABLE, Key: key('P#1', 'A') }));
    expect(fake.get(TABLE, 'P#1', 'A')).toBeUndefined();

    await proxy.settled();
    const stats = proxy.stats();
    expect(stats.writes.indexes).toEqual([
      { table: TABLE, index: 'table', writes: 6, partitionKeys: 2 },
      { table: TABLE, index: 'gsi1', writes: 6, partitionKeys: 1 },
      { table: TABLE, index: 'gsi2', writes: 4, partitionKeys: 2 },
    ]);
    expect(proxy.hottestKeys()).toEqual([
      { table: TABLE, index: 'table', key: 'P#1', writes: 5, peakPerSecond: 3, share: 5 / 6 },
      { table: TABLE, index: 'table', key: 'P#2', writes: 1, peakPerSecond: 1, share: 1 / 6 },
      { table: TABLE, index: 'gsi1', key: 'ORDERS', writes: 6, peakPerSecond: 3, share: 1 },
      // Put (1) + the update moving the key away (1); the new key: the update (1) + the delete (1).
      { table: TABLE, index: 'gsi2', key: 'STATUS#pending', writes: 2, peakPerSecond: 2, share: 0.5 },
      { table: TABLE, index: 'gsi2', key: 'STATUS#paid', writes: 2, peakPerSecond: 1, share: 0.5 },
    ]);
    expect(proxy.hottestKeys(1).map((hot) => `${hot.index}:${hot.key}`)).toEqual(['table:P#1', 'gsi1:ORDERS', 'gsi2:STATUS#pending']);

    const text = formatHottestKeys(stats, 1);
    expect(text.split('\n')).toEqual([
      'index  partition key   writes  peak/s    share  index writes',
      '-----  --------------  ------  ------  -------  ------------',
      'table  P#1                  5       3   83.3 %             6',
      'gsi1   ORDERS               6       3  100.0 %             6',
      'gsi2   STATUS#pending       2       2   50.0 %             4',
    ]);
  });

  it('reads old and new images only for tables with GSIs, and not at all with countWrites: false', async () => {
    const counting = await setup();
    await counting.documents.send(new PutCommand({ TableName: PLAIN_TABLE, Item: key('P#1') }));
    await counting.documents.send(new UpdateCommand({ TableName: PLAIN_TABLE, Key: key('P#1'), UpdateExpression: 'SET x = :v', ExpressionAttributeValues: { ':v': '1' } }));
    expect(counting.fake.operations).toEqual(['DescribeTable', 'PutItem', 'UpdateItem']);
    await counting.documents.send(new UpdateCommand({ TableName: TABLE, Key: key('P#1'), UpdateExpression: 'SET x = :v', ExpressionAttributeValues: { ':v': '1' } }));
    await counting.proxy.settled();
    expect(counting.fake.operations.slice(3)).toEqual(['DescribeTable', 'GetItem', 'UpdateItem', 'GetItem']);
    expect(counting.proxy.stats().writes.indexes.map((index) => [index.table, index.writes])).toEqual([
      [PLAIN_TABLE, 2],
      [TABLE, 1],
    ]);

    const silent = await setup({ countWrites: false });
    await silent.documents.send(new UpdateCommand({ TableName: TABLE, Key: key('P#1'), UpdateExpression: 'SET x = :v', ExpressionAttributeValues: { ':v': '1' } }));
    expect(silent.fake.operations).toEqual(['DescribeTable', 'UpdateItem']);
    expect(silent.proxy.stats().writes.indexes).toEqual([]);
  });
});

describe('pass-through and the HTTP stats endpoints', () => {
  it('passes other operations through byte for byte, keeping x-amz-crc32', async () => {
    const { proxy, client } = await setup();
    const response = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    const body = await response.text();
    expect(body).toBe(JSON.stringify({ TableNames: [TABLE, PLAIN_TABLE] }));
    expect(response.headers.get('x-amz-crc32')).toBe(String(crc32(body)));
    expect(response.headers.get('content-length')).toBe(String(body.length));
    await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [TABLE, PLAIN_TABLE] });
    // Errors of the backend come back as they are.
    const missing = await catchError(client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'missing', Item: { pk: { S: '1' } } } }] })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('serves GET /__proxy/stats and POST /__proxy/reset', async () => {
    const { fake, proxy, documents } = await setup();
    const gate = fake.hold('TransactWriteItems');
    const first = documents.send(new TransactWriteCommand({ TransactItems: [put('P#1', { gsi2pk: 'HOT' })] }));
    await gate.arrived;
    await catchError(documents.send(new TransactWriteCommand({ TransactItems: [update('P#1')] })));
    gate.release();
    await first;

    const stats = await (await fetch(`${proxy.url}/__proxy/stats?top=1`)).json();
    expect(stats).toMatchObject({
      requests: { TransactWriteItems: 2 },
      transactions: 2,
      transactionConflicts: 1,
      singleWriteConflicts: 0,
      heldItems: 0,
      writes: {
        indexes: [
          { index: 'table', writes: 1 },
          { index: 'gsi2', writes: 1 },
        ],
        hottestKeys: [
          { index: 'table', key: 'P#1', writes: 1, share: 1 },
          { index: 'gsi2', key: 'HOT', writes: 1, share: 1 },
        ],
      },
    });
    expect(stats).toEqual(JSON.parse(JSON.stringify(proxy.stats(1))));

    const reset = await fetch(`${proxy.url}/__proxy/reset`, { method: 'POST' });
    expect(reset.status).toBe(204);
    expect(proxy.stats()).toMatchObject({ requests: {}, transactions: 0, transactionConflicts: 0, writes: { indexes: [], hottestKeys: [] } });
    expect((await fetch(`${proxy.url}/__proxy/nope`)).status).toBe(404);
  });
});
