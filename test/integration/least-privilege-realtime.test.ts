/**
 * The WebSocket functions' declared partition keys (infra/routes/realtime.ts, the `realtimePush`
 * consumer in infra/consumers.ts) against what they touch on DynamoDB Local (IAM's
 * `dynamodb:LeadingKeys` is only checked on AWS): the authorizer on a good and a revoked
 * token, `$connect`, `$disconnect`, and the pusher on an order, a shipment, a product, a
 * user and a session change. Every declared pattern must be used too.
 */
import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamConsumers } from '../../infra/consumers.js';
import { repoRoot } from '../../infra/local/local-stack.js';
import { startWebSocketGateway, type WebSocketGateway } from '../../infra/local/websocket-gateway.js';
import type { Access } from '../../infra/route-types.js';
import { websocketAuthorizer, websocketRoutes } from '../../infra/routes/realtime.js';
import { dynamoClient } from '../../shared/clients/dynamodb.js';
import { deniedTouches, recordTouches, unusedPatterns, type Touch } from '../support/dynamo-key-recorder.js';
import { connectRealtime } from '../support/realtime-client.js';

const recorder = recordTouches(dynamoClient);
const seen = new Map<string, { access: Access; touches: Touch[] }>();
let gateway: WebSocketGateway;

async function touching<T>(fn: string, access: Access, run: () => Promise<T>): Promise<T> {
  recorder.take();
  const result = await run().catch((error: unknown) => error as T);
  const touches = recorder.take();
  expect(deniedTouches(access, touches), `${fn}: IAM would deny`).toEqual([]);
  const entry = seen.get(fn) ?? { access, touches: [] };
  entry.touches.push(...touches);
  seen.set(fn, entry);
  return result;
}

beforeAll(async () => {
  gateway = await startWebSocketGateway({ port: 0, repoRoot, authorizer: websocketAuthorizer, routes: websocketRoutes, log: () => undefined });
  process.env.WEBSOCKET_MANAGEMENT_URL = gateway.managementUrl;
});
afterAll(() => gateway?.close());

const route = (key: string) => websocketRoutes.find((r) => r.routeKey === key)!;
const pusherAccess = streamConsumers.find((consumer) => consumer.id === 'realtimePush')!.access;
const record = (keys: Record<string, unknown>, before?: Record<string, unknown>, after?: Record<string, unknown>) => ({
  eventID: randomUUID(),
  eventName: before && after ? 'MODIFY' : after ? 'INSERT' : 'REMOVE',
  dynamodb: {
    Keys: marshall(keys) as never,
    ...(before ? { OldImage: marshall(before, { removeUndefinedValues: true }) as never } : {}),
    ...(after ? { NewImage: marshall(after, { removeUndefinedValues: true }) as never } : {}),
    SequenceNumber: String(Date.now()),
  },
});

describe('WebSocket functions touch only their declared keys', () => {
  it('authorizer, $connect, $disconnect and the pusher, through typical and refused paths', async () => {
    const { createUser } = await import('../../shared/users/user-repository.js');
    const { startSession, revokeAccessToken } = await import('../../shared/auth/sessions.js');
    const { verifyAccessToken } = await import('../../shared/auth/tokens.js');
    const authorize = (await import('../../functions/realtime/authorize.js')).handler;
    const connect = (await import('../../functions/realtime/connect.js')).handler;
    const disconnect = (await import('../../functions/realtime/disconnect.js')).handler;
    const push = (await import('../../functions/realtime/push-changes.js')).handler;

    const user = await createUser({ email: `lp-rt-${randomUUID().slice(0, 8)}@example.com`, name: 'LP', passwordHash: 'x', role: 'customer' });
    const session = await startSession(user);
    const event = (token: string) => ({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:1:api/live/$connect', queryStringParameters: { token } }) as never;
    const allowed = await touching('WebSocketAuthorizer', websocketAuthorizer.access, () => authorize(event(session.accessToken)));
    expect(allowed).toMatchObject({ principalId: user.id });
    const revoked = await startSession(user);
    const claims = await verifyAccessToken(revoked.accessToken);
    await revokeAccessToken(claims.jti, claims.expiresAt);
    expect(await touching('WebSocketAuthorizer', websocketAuthorizer.access, () => authorize(event(revoked.accessToken)))).toBeInstanceOf(Error);

    // The authorizer's own context: $connect checks that session again after the save.
    const context = (connectionId: string) => ({ connectionId, requestTimeEpoch: Date.now(), authorizer: (allowed as { context: Record<string, unknown> }).context });
    expect(await touching('WebSocketConnect', route('$connect').access, () => connect({ requestContext: context('lp-conn=') } as never))).toMatchObject({ statusCode: 200 });
    // A live socket too, so the pusher's posts reach something.
    const client = await connectRealtime(gateway.url, session.accessToken);

    const orderId = randomUUID();
    const order = {
      pk: `ORDER#${orderId}`, sk: 'ORDER', type: 'order', id: orderId, userId: user.id, status: 'pending', paymentStatus: 'pending', items: [], total: 1,
      amountPaid: 0, amountDue: 1, currency: 'usd', shippingAddress: {}, statusHistory: [], createdAt: 't', updatedAt: 't', stockOwned: true,
    };
    const shipment = { id: 's1', orderId, userId: user.id, carrier: 'UPS', trackingNumber: 'T', status: 'in_transit', checkpoints: [], createdAt: 't', updatedAt: 't' };
    const product = (stock: number) => ({ id: 'p1', name: 'P', price: 1, currency: 'usd', stock, lowStockThreshold: 5, createdAt: 't', updatedAt: 't' });
    const profile = { id: user.id, role: 'customer', disabled: false, sessionVersion: 0 };
    const stream: DynamoDBStreamEvent = {
      Records: [
        record({ pk: `ORDER#${orderId}`, sk: 'ORDER' }, undefined, order),
        record({ pk: `ORDER#${orderId}`, sk: 'SHIPMENT#s1' }, { ...shipment, status: 'label_created' }, shipment),
        record({ pk: 'PRODUCT#p1', sk: 'PRODUCT' }, product(5), product(4)),
        record({ pk: 'SESSION#f1', sk: 'SESSION' }, { pk: 'SESSION#f1', userId: user.id, revoked: false }, { pk: 'SESSION#f1', userId: user.id, revoked: true }),
        record({ pk: `USER#${user.id}`, sk: 'PROFILE' }, profile, { ...profile, sessionVersion: 1 }),
      ] as never,
    };
    expect(await touching('StreamConsumerRealtimePush', pusherAccess, () => push(stream))).toEqual({ batchItemFailures: [] });
    expect(await client.closed).toBe(1000);

    expect(await touching('WebSocketDisconnect', route('$disconnect').access, () => disconnect({ requestContext: context('lp-conn=') } as never))).toMatchObject({ statusCode: 200 });

    for (const [fn, { access, touches }] of seen) {
      expect(touches.length, fn).toBeGreaterThan(0);
      expect(unusedPatterns(access, touches), `${fn} declares keys it never touched`).toEqual([]);
    }
  });
});
