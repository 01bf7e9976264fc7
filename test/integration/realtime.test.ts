/**
 * The WebSocket pieces against the emulators: the local WebSocket gateway running the real
 * authorizer and `$connect`/`$disconnect` handlers on DynamoDB Local, and the real management
 * client pushing through it: a live socket gets its message, a vanished connection (its item
 * left behind, its socket gone) answers 410 GoneException and is forgotten.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/local/local-stack.js';
import { startWebSocketGateway, type WebSocketGateway } from '../../infra/local/websocket-gateway.js';
import { websocketAuthorizer, websocketRoutes } from '../../infra/routes/realtime.js';
import { connectRealtime } from '../support/realtime-client.js';

let gateway: WebSocketGateway;
beforeAll(async () => {
  gateway = await startWebSocketGateway({ port: 0, repoRoot, authorizer: websocketAuthorizer, routes: websocketRoutes, log: () => undefined });
  process.env.WEBSOCKET_MANAGEMENT_URL = gateway.managementUrl;
});
afterAll(() => gateway?.close());

async function signedInUser(role: 'customer' | 'admin' = 'customer') {
  const { createUser } = await import('../../shared/users/user-repository.js');
  const { startSession } = await import('../../shared/auth/sessions.js');
  const user = await createUser({ email: `rt-${randomUUID().slice(0, 8)}@example.com`, name: 'Realtime', passwordHash: 'x', role });
  return { user, session: await startSession(user) };
}

describe('WebSocket connections on the emulators', () => {
  it('a live socket gets its push; a vanished connection is forgotten on GoneException; $disconnect forgets a closed one', async () => {
    const { db, tableName } = await import('../../shared/clients/dynamodb.js');
    const { saveConnection, userConnections } = await import('../../shared/realtime/connection-repository.js');
    const { carryOut } = await import('../../shared/realtime/realtime-delivery.js');
    const { user, session } = await signedInUser();

    const client = await connectRealtime(gateway.url, session.accessToken);
    await saveConnection({ connectionId: 'vanished=', userId: user.id, role: 'customer', familyId: 'old', connectedAt: new Date().toISOString() });
    // Index reads are eventually consistent on AWS; DynamoDB Local's are immediate.
    expect((await userConnections(user.id)).map((c) => c.connectionId)).toHaveLength(2);

    const message = { type: 'order.updated', order: { id: 'o1', userId: user.id } } as never;
    const outcome = await carryOut([{ kind: 'push', to: { userId: user.id }, message }]);
    expect(outcome).toMatchObject({ sent: 1, gone: 1, failed: 0, skipped: 0 });
    expect((await client.next((data) => data.type === 'order.updated')).data).toEqual({ type: 'order.updated', order: { id: 'o1', userId: user.id } });
    const vanished = await db.send(new GetCommand({ TableName: tableName, Key: { pk: 'WS#vanished=', sk: 'CONNECTION' }, ConsistentRead: true }));
    expect(vanished.Item).toBeUndefined();

    client.close();
    await client.closed;
    await expect.poll(async () => (await userConnections(user.id)).length, { timeout: 5_000 }).toBe(0);
  });

  it('closing a user’s sockets through the management API runs $disconnect and leaves no connection item', async () => {
    const { userConnections } = await import('../../shared/realtime/connection-repository.js');
    const { carryOut } = await import('../../shared/realtime/realtime-delivery.js');
    const { user, session } = await signedInUser();
    const clients = await Promise.all(Array.from({ length: 40 }, () => connectRealtime(gateway.url, session.accessToken)));
    expect(await userConnections(user.id)).toHaveLength(40);
    const outcome = await carryOut([{ kind: 'close', userId: user.id, reason: 'test' }]);
    expect(outcome.closed).toBe(40);
    expect(await Promise.all(clients.map((client) => client.closed))).toEqual(Array(40).fill(1000));
    await expect.poll(async () => (await userConnections(user.id)).length, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => gateway.connectionCount(), { timeout: 5_000 }).toBe(0);
  });

  it('reads skip a connection past expiresAt (per user and admins) and a push posts nothing to it', async () => {
    const { db, tableName } = await import('../../shared/clients/dynamodb.js');
    const { connectionItem } = await import('../../shared/realtime/connection-keys.js');
    const { adminConnections, userConnections } = await import('../../shared/realtime/connection-repository.js');
    const { carryOut } = await import('../../shared/realtime/realtime-delivery.js');
    const { user, session } = await signedInUser('admin');
    // Connected 3 hours ago: past API Gateway's 2-hour limit, its $disconnect lost, the item left.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const expiredId = `expired-${randomUUID().slice(0, 8)}=`;
    const expired = connectionItem({ connectionId: expiredId, userId: user.id, role: 'admin', familyId: 'old', connectedAt: new Date((nowSeconds - 3 * 3600) * 1000).toISOString() }, nowSeconds - 3 * 3600);
    expect(expired.expiresAt).toBeLessThan(nowSeconds);
    await db.send(new PutCommand({ TableName: tableName, Item: expired }));
    const client = await connectRealtime(gateway.url, session.accessToken);

    const own = await userConnections(user.id);
    expect(own).toHaveLength(1);
    expect(own[0]!.connectionId).not.toBe(expiredId);
    const admins = (await adminConnections()).filter((connection) => connection.userId === user.id);
    expect(admins.map((connection) => connection.connectionId)).toEqual([own[0]!.connectionId]);

    // A post to the expired id would answer 410 (the gateway does not know it): gone stays 0.
    const message = { type: 'order.updated', order: { id: 'o-expired', userId: user.id } } as never;
    expect(await carryOut([{ kind: 'push', to: { userId: user.id, andAdmins: true }, message }])).toMatchObject({ sent: expect.any(Number), gone: 0, failed: 0, skipped: 0 });
    expect(await carryOut([{ kind: 'push', to: { userId: user.id }, message }])).toEqual({ sent: 1, gone: 0, failed: 0, closed: 0, skipped: 0 });
    await client.next((data) => data.type === 'order.updated');
    client.close();
    await client.closed;
  });

  it('a logout between the authorizer and $connect’s save: the close finds nothing, so $connect refuses and keeps no connection', async () => {
    const { db, tableName } = await import('../../shared/clients/dynamodb.js');
    const { revokeFamily } = await import('../../shared/auth/sessions.js');
    const { verifyAccessToken } = await import('../../shared/auth/tokens.js');
    const { userConnections } = await import('../../shared/realtime/connection-repository.js');
    const { carryOut } = await import('../../shared/realtime/realtime-delivery.js');
    const authorize = (await import('../../functions/realtime/authorize.js')).handler;
    const connect = (await import('../../functions/realtime/connect.js')).handler;
    const { user, session } = await signedInUser();

    // 1. The authorizer lets the token through.
    const allowed = await authorize({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:local:0:local/live/$connect', queryStringParameters: { token: session.accessToken } } as never);
    // 2. The logout lands, and its close (the pusher on the session's stream record) reads the user's connections: none yet.
    await revokeFamily((await verifyAccessToken(session.accessToken)).familyId);
    expect(await carryOut([{ kind: 'close', userId: user.id, reason: 'session revoked (logout or refresh-token reuse)' }])).toMatchObject({ closed: 0 });
    // 3. $connect saves the connection: it must not stay.
    const connectionId = `raced-${randomUUID().slice(0, 8)}=`;
    const result = await connect({ requestContext: { connectionId, requestTimeEpoch: Date.now(), authorizer: { ...allowed.context, principalId: allowed.principalId } } } as never);
    expect(result.statusCode).toBe(401);
    expect(await userConnections(user.id)).toEqual([]);
    expect((await db.send(new GetCommand({ TableName: tableName, Key: { pk: `WS#${connectionId}`, sk: 'CONNECTION' }, ConsistentRead: true }))).Item).toBeUndefined();
  });

  it('$connect keeps the connection of a session that still stands', async () => {
    const { forgetConnection, userConnections } = await import('../../shared/realtime/connection-repository.js');
    const authorize = (await import('../../functions/realtime/authorize.js')).handler;
    const connect = (await import('../../functions/realtime/connect.js')).handler;
    const { user, session } = await signedInUser();
    const allowed = await authorize({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:local:0:local/live/$connect', queryStringParameters: { token: session.accessToken } } as never);
    const connectionId = `kept-${randomUUID().slice(0, 8)}=`;
    expect(await connect({ requestContext: { connectionId, requestTimeEpoch: Date.now(), authorizer: allowed.context } } as never)).toEqual({ statusCode: 200, body: '' });
    expect((await userConnections(user.id)).map((connection) => connection.connectionId)).toEqual([connectionId]);
    await forgetConnection(connectionId);
  });
});
