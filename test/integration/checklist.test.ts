/**
 * Issue 11 item 12: the test checklist's gaps, against the emulators. DynamoDB is reached
 * through an interposer of this file's own (in front of the conflict proxy), which can answer a
 * request itself (ThrottlingException) or do something just before forwarding it (a hold
 * released by the schedule between the cart read and the order transaction).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { toSqsRecord } from '../../infra/local/queue-poller.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';
import { emailsTo } from '../support/mail-store.js';
import { createTestQueue } from '../support/test-queue.js';

type Hook = (target: string, body: string) => Promise<{ status: number; body: string } | undefined>;
let hook: Hook | undefined;
const seen: string[] = [];
let interposer: Server;
const upstream = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
/** Straight to DynamoDB (through the conflict proxy), not through the interposer. */
const direct = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: upstream }));
const table = process.env.TABLE_NAME!;

let h: {
  register: typeof import('../../functions/auth/register.js').handler;
  process: typeof import('../../functions/events/process-order-events.js').handler;
  setLine: typeof import('../../functions/cart/set-line.js').handler;
  place: typeof import('../../functions/orders/place.js').handler;
};
let drainQueue: () => Promise<Message[]>;

beforeAll(async () => {
  interposer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const target = String(request.headers['x-amz-target'] ?? '');
        seen.push(target);
        const answer = await hook?.(target, body);
        if (answer) {
          response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
          response.end(answer.body);
          return;
        }
        const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length')) as Record<string, string>;
        const forwarded = await fetch(upstream, { method: 'POST', headers, body });
        response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/x-amz-json-1.0' });
        response.end(Buffer.from(await forwarded.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((resolve) => interposer.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(interposer.address() as AddressInfo).port}`;
  const queue = await createTestQueue('checklist-it');
  process.env.ORDER_EVENTS_QUEUE_URL = queue.url;
  drainQueue = queue.drain;
  h = {
    register: (await import('../../functions/auth/register.js')).handler,
    process: (await import('../../functions/events/process-order-events.js')).handler,
    setLine: (await import('../../functions/cart/set-line.js')).handler,
    place: (await import('../../functions/orders/place.js')).handler,
  };
});
afterAll(() => new Promise<void>((resolve) => interposer.close(() => resolve())));

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;
const register = (email: string) => invoke(h.register, apiEvent(routes.register, { body: { email, password: 'correct horse', name: 'Checklist' } }));

describe('DynamoDB throttling', () => {
  it('ThrottlingException twice, then success: the SDK retries, one write lands, 201', async () => {
    const email = unique('throttled');
    let throttled = 0;
    hook = async (target) => {
      if (target.endsWith('.TransactWriteItems') && throttled < 2) {
        throttled += 1;
        return { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }) };
      }
      return undefined;
    };
    seen.length = 0;
    const response = await register(email).finally(() => (hook = undefined));
    expect(response.statusCode).toBe(201);
    expect(throttled).toBe(2);
    // Two throttled attempts and the one that went through: one user, one claim.
    expect(seen.filter((t) => t.endsWith('.TransactWriteItems'))).toHaveLength(3);
    const claim = await direct.send(new GetCommand({ TableName: table, Key: { pk: `EMAIL#${email}`, sk: 'EMAIL' }, ConsistentRead: true }));
    expect(claim.Item?.userId).toBe(response.body.user.id);
  });
});

describe('the order-events processor', () => {
  const recordsFor = (messages: Message[], email: string): SQSRecord[] =>
    messages.filter((m) => m.Body!.includes(email)).map((m) => toSqsRecord(m, 'arn:aws:sqs:us-east-1:0:checklist-it'));

  it('a batch where every record fails reports every record, and sends nothing', async () => {
    const broken = ['not json', '{"type":"user.registered"}', JSON.stringify({ type: 'user.registered', id: randomUUID(), occurredAt: new Date().toISOString(), data: { nope: 1 } })];
    const records = broken.map((body, i) => ({ ...toSqsRecord({ MessageId: `broken-${i}-${randomUUID()}`, ReceiptHandle: 'r', Body: body, Attributes: { ApproximateReceiveCount: '1' } }, 'arn:aws:sqs:us-east-1:0:checklist-it') }));
    // And two well-formed events another consumer is processing right now (a live lease): they fail too.
    const busy = [unique('busy-a'), unique('busy-b')].map((email) => ({ email, id: randomUUID() }));
    for (const { id } of busy) {
      await direct.send(new PutCommand({ TableName: table, Item: { pk: `EVENT#${id}`, sk: 'PROCESSED', type: 'processedEvent', status: 'in_progress', leaseUntil: Date.now() + 60_000 } }));
    }
    records.push(
      ...busy.map(({ email, id }, i) =>
        toSqsRecord(
          { MessageId: `busy-${i}-${id}`, ReceiptHandle: 'r', Body: JSON.stringify({ type: 'user.registered', id, occurredAt: new Date().toISOString(), data: { userId: id, email, name: 'Busy' } }), Attributes: { ApproximateReceiveCount: '1' } },
          'arn:aws:sqs:us-east-1:0:checklist-it',
        ),
      ),
    );
    const result = await h.process({ Records: records });
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(records.map((r) => r.messageId).sort());
    for (const { email } of busy) expect(await emailsTo(process.env.SES_STORE_URL!, email)).toEqual([]);
  });

  it('takes over a claim whose lease expired (a crashed consumer), sends the email once, and marks it done', async () => {
    const email = unique('lease');
    await drainQueue();
    expect((await register(email)).statusCode).toBe(201);
    const records = recordsFor(await drainQueue(), email);
    expect(records).toHaveLength(1);
    const eventId = JSON.parse(records[0]!.body).id as string;
    const key = { pk: `EVENT#${eventId}`, sk: 'PROCESSED' };
    // A consumer claimed it and died: its lease ran out a minute ago.
    await direct.send(new PutCommand({ TableName: table, Item: { ...key, type: 'processedEvent', status: 'in_progress', leaseUntil: Date.now() - 60_000 } }));
    expect((await h.process({ Records: records })).batchItemFailures).toEqual([]);
    expect((await direct.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item?.status).toBe('done');
    expect(await emailsTo(process.env.SES_STORE_URL!, email)).toHaveLength(1);
    // A live lease is not taken over: that copy fails and comes back later.
    const other = unique('live-lease');
    expect((await register(other)).statusCode).toBe(201);
    const live = recordsFor(await drainQueue(), other);
    const liveKey = { pk: `EVENT#${JSON.parse(live[0]!.body).id as string}`, sk: 'PROCESSED' };
    await direct.send(new PutCommand({ TableName: table, Item: { ...liveKey, type: 'processedEvent', status: 'in_progress', leaseUntil: Date.now() + 60_000 } }));
    expect((await h.process({ Records: live })).batchItemFailures).toEqual([{ itemIdentifier: live[0]!.messageId }]);
    expect(await emailsTo(process.env.SES_STORE_URL!, other)).toHaveLength(0);
  });
});

describe('placing an order from the cart', () => {
  it('a hold released between the cart read and the order transaction: 409, no order, stock as before', async () => {
    const { createProduct } = await import('../../shared/products/product-repository.js');
    const { createUser } = await import('../../shared/users/user-repository.js');
    const { startSession } = await import('../../shared/auth/sessions.js');
    const product = await createProduct({ name: `Checklist mug ${randomUUID().slice(0, 6)}`, description: '', price: 900, currency: 'usd', stock: 10, lowStockThreshold: 1 });
    const user = await createUser({ email: unique('hold'), name: 'Hold', passwordHash: 'unused', role: 'customer' });
    const token = (await startSession(user)).accessToken;
    const held = await invoke(h.setLine, apiEvent(routes.setCartLine, { token, path: { productId: product.id }, body: { quantity: 3 } }));
    expect(held.statusCode).toBe(200);
    const stock = async () => (await direct.send(new GetCommand({ TableName: table, Key: { pk: `PRODUCT#${product.id}`, sk: 'PRODUCT' }, ConsistentRead: true }))).Item!.stock as number;
    expect(await stock()).toBe(7);

    // Just before the order's transaction reaches DynamoDB, the hold expires and the release
    // schedule returns it (its own transaction: delete the hold, give the 3 back).
    let released = false;
    hook = async (target, body) => {
      if (!released && target.endsWith('.TransactWriteItems') && body.includes(`CART#${user.id}`)) {
        released = true;
        await direct.send(
          new TransactWriteCommand({
            TransactItems: [
              { Delete: { TableName: table, Key: { pk: `CART#${user.id}`, sk: `ITEM#${product.id}` }, ConditionExpression: 'attribute_exists(pk)' } },
              { Update: { TableName: table, Key: { pk: `PRODUCT#${product.id}`, sk: 'PRODUCT' }, UpdateExpression: 'ADD stock :q', ExpressionAttributeValues: { ':q': 3 } } },
            ],
          }),
        );
      }
      return undefined;
    };
    const address = { line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' };
    const placed = await invoke(h.place, apiEvent(routes.placeOrder, { token, body: { shippingAddress: address } })).finally(() => (hook = undefined));
    expect(released).toBe(true);
    expect(placed.statusCode, JSON.stringify(placed.body)).toBe(409);
    expect(placed.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    // Nothing written: no order for this customer, all 10 back on the shelf.
    const orders = await direct.send(new QueryCommand({ TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': `USER#${user.id}` } }));
    expect(orders.Items ?? []).toEqual([]);
    expect(await stock()).toBe(10);
  });
});
