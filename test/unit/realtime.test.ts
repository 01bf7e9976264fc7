/**
 * The WebSocket side without AWS: the `$connect` authorizer against every bad token (DynamoDB
 * mocked), who gets which message for which change (pure), client messages, the push's
 * GoneException cleanup and an admin's own order once per socket (management API mocked),
 * the connection item's expiry, the pusher skipping a malformed record, and `$connect`'s
 * second session check.
 */
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayRequestAuthorizerEvent, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.WEBSOCKET_MANAGEMENT_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/live';
});

const { handler: authorize } = await import('../../functions/realtime/authorize.js');
const { handler: connect } = await import('../../functions/realtime/connect.js');
const { handler: pushChanges } = await import('../../functions/realtime/push-changes.js');
const { signAccessToken, signRefreshToken } = await import('../../shared/auth/tokens.js');
const { keyStore } = await import('../../shared/auth/keys.js');
const { authConfig } = await import('../../shared/auth/auth-config.js');
const { CONNECTION_LIFETIME_SECONDS, connectionItem } = await import('../../shared/realtime/connection-keys.js');
const { realtimeActions } = await import('../../shared/realtime/realtime-changes.js');
const { clientMessageReply } = await import('../../shared/realtime/client-messages.js');
const { closeConnections, pushMessage } = await import('../../shared/realtime/push.js');
const { carryOut } = await import('../../shared/realtime/realtime-delivery.js');

const ddb = mockClient(DynamoDBDocumentClient);
const management = mockClient(ApiGatewayManagementApiClient);
beforeEach(() => {
  ddb.reset();
  management.reset();
});
afterEach(() => vi.useRealTimers());

const TABLE = process.env.TABLE_NAME!;
const claims = { userId: 'u1', familyId: 'f1', sessionVersion: 3, role: 'customer' as const };
const authorizerEvent = (token?: string): APIGatewayRequestAuthorizerEvent =>
  ({
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/live/$connect',
    queryStringParameters: token === undefined ? {} : { token },
  }) as never;

/** The authentication BatchGet answers with these items (user, denial record, session family). */
function storedState(state: { user?: Record<string, unknown> | null; revokedJti?: string; family?: Record<string, unknown> | null } = {}) {
  ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { pk: string }[] }> }) => {
    const keys = input.RequestItems[TABLE]!.Keys.map((key) => key.pk);
    const candidates: (Record<string, unknown> | undefined)[] = [
      state.user === null ? undefined : { pk: 'USER#u1', sk: 'PROFILE', role: 'customer', disabled: false, sessionVersion: 3, ...state.user },
      state.revokedJti ? { pk: `REVOKED#${state.revokedJti}`, sk: 'TOKEN' } : undefined,
      state.family === null ? undefined : { pk: 'SESSION#f1', sk: 'SESSION', revoked: false, ...state.family },
    ];
    const items = candidates.filter((item): item is Record<string, unknown> => item !== undefined && keys.includes(item.pk as string));
    return { Responses: { [TABLE]: items } };
  });
}

/** An access token signed with the app's own access-token key, its issuer or audience changed. */
async function tokenWith(change: { issuer?: string; audience?: string }): Promise<string> {
  const { kid, key } = await keyStore.signingKey('access-token');
  return new SignJWT({ fam: 'f1', ver: 3, role: 'customer' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
    .setSubject('u1')
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .setIssuer(change.issuer ?? authConfig.JWT_ISSUER)
    .setAudience(change.audience ?? authConfig.JWT_AUDIENCE)
    .sign(key);
}

describe('$connect authorizer', () => {
  it('the token helper of the wrong-issuer/audience cases makes an accepted token when nothing is changed', async () => {
    storedState();
    expect(await authorize(authorizerEvent(await tokenWith({})))).toMatchObject({ principalId: 'u1' });
  });

  it('allows a valid token with the user, role (as stored now) and session family in the context', async () => {
    storedState({ user: { role: 'admin' } });
    const { token, jti, expiresAt } = await signAccessToken(claims);
    const result = await authorize(authorizerEvent(token));
    expect(result.principalId).toBe('u1');
    expect(result.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: authorizerEvent().methodArn }]);
    // jti and session version: $connect checks the same session again after saving the connection.
    expect(result.context).toEqual({ userId: 'u1', role: 'admin', familyId: 'f1', jti, sessionVersion: 3, tokenExpiresAt: expiresAt });
  });

  const refusals: [string, () => Promise<string | undefined>, Parameters<typeof storedState>[0]?][] = [
    ['missing', async () => undefined],
    ['empty', async () => ''],
    ['malformed', async () => 'not.a.jwt'],
    ['signed with another key', async () => new SignJWT({ fam: 'f1', ver: 3, role: 'customer' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).setSubject('u1').setJti('j').setIssuedAt().setExpirationTime('5m').setIssuer('order-management').setAudience('order-management-api').sign(new TextEncoder().encode('another-secret-another-secret-0123456789'))],
    ['of another issuer (right key)', async () => tokenWith({ issuer: 'someone-else' })],
    ['for another audience (right key)', async () => tokenWith({ audience: 'another-api' })],
    ['a refresh token', async () => (await signRefreshToken(claims)).token],
    ['expired', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() - 3600_000);
      const { token } = await signAccessToken(claims);
      vi.useRealTimers();
      return token;
    }],
    ['of a disabled user', async () => (await signAccessToken(claims)).token, { user: { disabled: true } }],
    ['of a deleted user', async () => (await signAccessToken(claims)).token, { user: null }],
    ['of an ended session version (password change or reset)', async () => (await signAccessToken(claims)).token, { user: { sessionVersion: 4 } }],
    ['of a revoked session family (logout)', async () => (await signAccessToken(claims)).token, { family: { revoked: true } }],
    ['whose session family is gone', async () => (await signAccessToken(claims)).token, { family: null }],
  ];
  for (const [name, tokenOf, state] of refusals) {
    it(`refuses a token ${name} with Unauthorized (API Gateway: 401)`, async () => {
      storedState(state);
      const token = await tokenOf();
      await expect(authorize(authorizerEvent(token))).rejects.toThrow(/^Unauthorized$/);
    });
  }

  it('refuses a revoked access token (its denial record exists)', async () => {
    const { token, jti } = await signAccessToken(claims);
    storedState({ revokedJti: jti });
    await expect(authorize(authorizerEvent(token))).rejects.toThrow(/^Unauthorized$/);
  });

  it('lets an infrastructure failure surface (API Gateway: 500), not a silent refusal', async () => {
    ddb.on(BatchGetCommand).rejects(new Error('DynamoDB is down'));
    const { token } = await signAccessToken(claims);
    await expect(authorize(authorizerEvent(token))).rejects.toThrow('DynamoDB is down');
  });
});

const order = (overrides: Record<string, unknown> = {}) => ({
  type: 'order', id: 'o1', userId: 'ann', status: 'pending', paymentStatus: 'pending', items: [], total: 100, amountPaid: 0, amountDue: 100,
  currency: 'usd', shippingAddress: {}, statusHistory: [], createdAt: 't', updatedAt: 't', stockOwned: true, ...overrides,
});
const orderKeys = { pk: 'ORDER#o1', sk: 'ORDER' };

describe('who gets what (realtimeActions)', () => {
  it('a placed order: order.created to admins, order.updated to its customer and admins', () => {
    const actions = realtimeActions({ keys: orderKeys, after: order() });
    const to = (a: (typeof actions)[number]) => (a.kind !== 'push' ? a.kind : a.to === 'admins' ? 'admins' : `${a.to.userId}${a.to.andAdmins ? ' + admins' : ''}`);
    expect(actions.map((a) => `${a.kind === 'push' ? a.message.type : ''} → ${to(a)}`)).toEqual(['order.created → admins', 'order.updated → ann + admins']);
  });

  it('a status or payment change: order.updated to the customer and admins; an invisible change: nothing', () => {
    expect(realtimeActions({ keys: orderKeys, before: order(), after: order({ status: 'paid', paymentStatus: 'completed' }) })).toMatchObject([
      { kind: 'push', to: { userId: 'ann', andAdmins: true }, message: { type: 'order.updated', order: { status: 'paid' } } },
    ]);
    expect(realtimeActions({ keys: orderKeys, before: order(), after: order({ paymentVersion: 2, stockOwned: false }) })).toEqual([]);
  });

  it('never addresses another customer: every customer push goes to the order’s own userId', () => {
    for (const userId of ['ann', 'bob']) {
      const targets = realtimeActions({ keys: orderKeys, after: order({ userId }) }).flatMap((a) => (a.kind === 'push' && a.to !== 'admins' ? [a.to.userId] : []));
      expect(targets).toEqual([userId]);
    }
  });

  it('a shipment created or moved: the order read fresh, with the shipment', () => {
    const shipment = { id: 's1', orderId: 'o1', userId: 'ann', carrier: 'UPS', trackingNumber: 'T1', status: 'in_transit', checkpoints: [], createdAt: 't', updatedAt: 't' };
    const [action] = realtimeActions({ keys: { pk: 'ORDER#o1', sk: 'SHIPMENT#s1' }, before: { ...shipment, status: 'label_created' }, after: shipment });
    expect(action).toMatchObject({ kind: 'pushOrder', orderId: 'o1', userId: 'ann', shipment: { status: 'in_transit' } });
  });

  it('stock.low to admins only when the stock crosses below the threshold', () => {
    const product = (stock: number) => ({ id: 'p1', name: 'P', price: 1, currency: 'usd', stock, lowStockThreshold: 5, createdAt: 't', updatedAt: 't' });
    const keys = { pk: 'PRODUCT#p1', sk: 'PRODUCT' };
    expect(realtimeActions({ keys, before: product(5), after: product(4) })).toMatchObject([{ kind: 'push', to: 'admins', message: { type: 'stock.low', product: { stock: 4 } } }]);
    expect(realtimeActions({ keys, before: product(4), after: product(3) })).toEqual([]);
    expect(realtimeActions({ keys, before: product(9), after: product(6) })).toEqual([]);
  });

  it('closes a user’s sockets on a session version, role or disabled change, deletion or a revoked session (logout)', () => {
    const keys = { pk: 'USER#u1', sk: 'PROFILE' };
    const user = { id: 'u1', role: 'customer', disabled: false, sessionVersion: 0, name: 'Ann' };
    expect(realtimeActions({ keys, before: user, after: { ...user, sessionVersion: 1 } })).toMatchObject([{ kind: 'close', userId: 'u1' }]);
    expect(realtimeActions({ keys, before: user, after: { ...user, role: 'admin' } })).toMatchObject([{ kind: 'close', userId: 'u1' }]);
    expect(realtimeActions({ keys, before: user, after: { ...user, disabled: true } })).toMatchObject([{ kind: 'close', userId: 'u1' }]);
    expect(realtimeActions({ keys, before: user })).toMatchObject([{ kind: 'close', userId: 'u1' }]);
    expect(realtimeActions({ keys, before: user, after: { ...user, name: 'Anne' } })).toEqual([]);
    const session = { pk: 'SESSION#f1', userId: 'u1', revoked: false };
    expect(realtimeActions({ keys: { pk: 'SESSION#f1', sk: 'SESSION' }, before: session, after: { ...session, revoked: true } })).toEqual([
      { kind: 'close', userId: 'u1', reason: 'session revoked (logout or refresh-token reuse)' },
    ]);
    expect(realtimeActions({ keys: { pk: 'SESSION#f1', sk: 'SESSION' }, before: session, after: { ...session, currentTokenHash: 'x' } })).toEqual([]);
  });
});

describe('client messages', () => {
  it('ping → pong; anything else an error in the envelope’s terms', () => {
    expect(clientMessageReply('{"action":"ping"}')).toEqual({ type: 'pong' });
    for (const body of [undefined, '', 'ping', '{"action":"shout"}', '[]']) expect(clientMessageReply(body)).toMatchObject({ type: 'error', error: { code: 'VALIDATION_ERROR' } });
  });
});

const connection = (connectionId: string, userId = 'ann', familyId = 'f1') => ({ connectionId, userId, role: 'customer' as const, familyId, connectedAt: 't', expiresAt: 0 });

describe('pushing', () => {
  it('a GoneException forgets that connection; other failures are counted, never thrown', async () => {
    management.on(PostToConnectionCommand, { ConnectionId: 'gone' }).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    management.on(PostToConnectionCommand, { ConnectionId: 'flaky' }).rejects(new Error('LimitExceeded'));
    management.on(PostToConnectionCommand, { ConnectionId: 'live' }).resolves({});
    ddb.on(DeleteCommand).resolves({});
    const outcome = await pushMessage([connection('live'), connection('gone'), connection('flaky')], { type: 'order.updated', order: {} as never });
    expect(outcome).toEqual({ sent: 1, gone: 1, failed: 1 });
    expect(ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key)).toEqual([{ pk: 'WS#gone', sk: 'CONNECTION' }]);
    const sent = management.commandCalls(PostToConnectionCommand, { ConnectionId: 'live' })[0]!.args[0].input.Data as Uint8Array;
    expect(JSON.parse(Buffer.from(sent).toString())).toEqual({ type: 'order.updated', order: {} });
  });

  it('closing deletes the connection at API Gateway and forgets it, gone or not', async () => {
    management.on(DeleteConnectionCommand, { ConnectionId: 'gone' }).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    management.on(DeleteConnectionCommand, { ConnectionId: 'live' }).resolves({});
    ddb.on(DeleteCommand).resolves({});
    expect(await closeConnections([connection('live'), connection('gone')])).toBe(1);
    expect(ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key?.pk).sort()).toEqual(['WS#gone', 'WS#live']);
  });

  it('a close closes every socket of the user; a failing action never stops the next', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [connection('a1', 'u1', 'f1'), connection('a2', 'u1', 'f2')] }).rejectsOnce(new Error('throttled'));
    ddb.on(DeleteCommand).resolves({});
    management.on(DeleteConnectionCommand).resolves({});
    const outcome = await carryOut([
      { kind: 'close', userId: 'u1', reason: 'logout' },
      { kind: 'push', to: { userId: 'u2' }, message: { type: 'order.updated', order: { id: 'o2' } as never } },
    ]);
    expect(management.commandCalls(DeleteConnectionCommand).map((call) => call.args[0].input.ConnectionId).sort()).toEqual(['a1', 'a2']);
    expect(outcome).toMatchObject({ closed: 2, skipped: 1 });
  });
});

/** The messages each connection was posted, in order: `{ connectionId: ['order.created o1', …] }`. */
function postsByConnection() {
  const posts: Record<string, string[]> = {};
  for (const call of management.commandCalls(PostToConnectionCommand)) {
    const { ConnectionId, Data } = call.args[0].input;
    const message = JSON.parse(Buffer.from(Data as Uint8Array).toString()) as { type: string; order?: { id: string } };
    (posts[ConnectionId!] ??= []).push(`${message.type} ${message.order?.id ?? ''}`.trim());
  }
  return posts;
}

describe('an admin who is the order’s customer', () => {
  const adminConnection = (connectionId: string, userId: string) => ({ ...connection(connectionId, userId), role: 'admin' as const });
  beforeEach(() => {
    // adm's socket is both in gsi1 WS#USER#adm and gsi2 WS#ADMINS; boss is another admin.
    ddb.on(QueryCommand, { IndexName: 'gsi1' }).resolves({ Items: [adminConnection('adm-socket', 'adm')] });
    ddb.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [adminConnection('adm-socket', 'adm'), adminConnection('boss-socket', 'boss')] });
    management.on(PostToConnectionCommand).resolves({});
  });

  it('gets each message of a placed or changed order once per socket', async () => {
    const placed = realtimeActions({ keys: orderKeys, after: order({ userId: 'adm' }) });
    const paid = realtimeActions({ keys: orderKeys, before: order({ userId: 'adm' }), after: order({ userId: 'adm', status: 'paid', paymentStatus: 'completed' }) });
    expect(await carryOut([...placed, ...paid])).toMatchObject({ sent: 6, gone: 0, failed: 0, skipped: 0 });
    const posts = postsByConnection();
    expect(posts['adm-socket']).toEqual(['order.created o1', 'order.updated o1', 'order.updated o1']);
    expect(posts['boss-socket']).toEqual(['order.created o1', 'order.updated o1', 'order.updated o1']);
  });

  it('gets a shipment’s order.updated once per socket', async () => {
    ddb.on(GetCommand).resolves({ Item: order({ userId: 'adm', status: 'shipped' }) });
    const shipment = { id: 's1', orderId: 'o1', userId: 'adm', carrier: 'UPS', trackingNumber: 'T1', status: 'label_created', checkpoints: [], createdAt: 't', updatedAt: 't' };
    await carryOut(realtimeActions({ keys: { pk: 'ORDER#o1', sk: 'SHIPMENT#s1' }, after: shipment }));
    expect(postsByConnection()).toEqual({ 'adm-socket': ['order.updated o1'], 'boss-socket': ['order.updated o1'] });
  });
});

describe('connection items', () => {
  it('expire (expiresAt) and are garbage-collected (ttl) at API Gateway’s 2-hour connection limit', () => {
    const item = connectionItem({ connectionId: 'c1', userId: 'u1', role: 'customer', familyId: 'f1', connectedAt: 't' }, 1_000_000);
    expect(CONNECTION_LIFETIME_SECONDS).toBe(7200);
    expect(item).toMatchObject({ expiresAt: 1_007_200, ttl: 1_007_200 });
  });
});

describe('the stream pusher (functions/realtime/push-changes.ts)', () => {
  const streamRecord = (eventID: string, after: Record<string, unknown>) => ({
    eventID,
    eventName: 'INSERT',
    dynamodb: { Keys: marshall({ pk: `ORDER#${after.id}`, sk: 'ORDER' }), NewImage: marshall(after), SequenceNumber: eventID },
  });

  it('skips a record it cannot read (an order without items) and still pushes the others; the batch never fails', async () => {
    ddb.on(QueryCommand, { IndexName: 'gsi1' }).resolves({ Items: [connection('ann-socket')] });
    ddb.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [] });
    management.on(PostToConnectionCommand).resolves({});
    const { items: _, ...withoutItems } = order({ id: 'bad' });
    const event = { Records: [streamRecord('1', withoutItems), streamRecord('2', order({ id: 'good' }))] } as unknown as DynamoDBStreamEvent;
    expect(await pushChanges(event)).toEqual({ batchItemFailures: [] });
    expect(postsByConnection()).toEqual({ 'ann-socket': ['order.updated good'] });
  });
});

describe('$connect checks the session again after saving the connection', () => {
  const connectEvent = (authorizer: Record<string, unknown>) =>
    ({ requestContext: { connectionId: 'c1=', requestTimeEpoch: Date.now(), authorizer: { userId: 'u1', role: 'customer', familyId: 'f1', jti: 'j1', sessionVersion: 3, tokenExpiresAt: 2e9, ...authorizer } } }) as never;
  beforeEach(() => {
    ddb.on(PutCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
  });
  const written = () => [...ddb.commandCalls(PutCommand), ...ddb.commandCalls(DeleteCommand)].map((call) => `${call.args[0].constructor.name} ${JSON.stringify((call.args[0].input as { Item?: { pk: string }; Key?: { pk: string } }).Item?.pk ?? (call.args[0].input as { Key?: { pk: string } }).Key?.pk)}`);

  it('keeps the connection while the session stands (one strongly consistent BatchGet of the authorizer’s three items)', async () => {
    storedState();
    expect(await connect(connectEvent({}))).toEqual({ statusCode: 200, body: '' });
    expect(written()).toEqual(['PutCommand "WS#c1="']);
    const [get] = ddb.commandCalls(BatchGetCommand);
    expect(get!.args[0].input.RequestItems![TABLE]).toMatchObject({ ConsistentRead: true, Keys: [{ pk: 'USER#u1' }, { pk: 'REVOKED#j1' }, { pk: 'SESSION#f1' }] });
  });

  const ended: [string, Parameters<typeof storedState>[0]][] = [
    ['a logout (the family revoked)', { family: { revoked: true } }],
    ['a password change or reset (a new session version)', { user: { sessionVersion: 4 } }],
    ['disabling the user', { user: { disabled: true } }],
    ['a role change', { user: { role: 'admin' } }],
    ['the token’s revocation', { revokedJti: 'j1' }],
  ];
  for (const [name, state] of ended) {
    it(`refuses (401) and forgets the saved connection after ${name} between the authorizer and the save`, async () => {
      storedState(state);
      expect(await connect(connectEvent({}))).toEqual({ statusCode: 401, body: 'Unauthorized' });
      expect(written()).toEqual(['PutCommand "WS#c1="', 'DeleteCommand "WS#c1="']);
    });
  }

  it('refuses a context without the token’s id or session version, saving nothing', async () => {
    storedState();
    expect(await connect(connectEvent({ jti: undefined }))).toMatchObject({ statusCode: 401 });
    expect(await connect(connectEvent({ sessionVersion: 'x' }))).toMatchObject({ statusCode: 401 });
    expect(written()).toEqual([]);
  });
});
