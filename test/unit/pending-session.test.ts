/**
 * `sessionLookup: 'joined'` routes (issue 13 target 2): the session lookup rides in the
 * handler's first read instead of being a call of its own. The pipeline still guarantees the
 * rule of every authenticated route: no answer but 401 for a token whose session has ended,
 * and nothing written for it.
 */
import { BatchGetCommand, DynamoDBDocumentClient, type BatchGetCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { RouteDefinition } from '../../infra/route-types.js';
import { routeList } from '../../infra/routes.js';
import { PendingSession, readJoined } from '../../shared/auth/pending-session.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { ConflictError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
let stored: Record<string, Record<string, unknown>>;

beforeEach(() => {
  ddb.reset();
  stored = {
    'USER#u1|PROFILE': { pk: 'USER#u1', sk: 'PROFILE', role: 'customer', sessionVersion: 0 },
    'SESSION#f1|SESSION': { pk: 'SESSION#f1', sk: 'SESSION', revoked: false },
    'PRODUCT#p1|PRODUCT': { pk: 'PRODUCT#p1', sk: 'PRODUCT', id: 'p1' },
  };
  ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const keys = input.RequestItems!['unit-table']!.Keys as { pk: string; sk: string }[];
    return { Responses: { 'unit-table': keys.flatMap((key) => stored[`${key.pk}|${key.sk}`] ?? []) } };
  });
});

const claims = { userId: 'u1', jti: 'j1', familyId: 'f1', sessionVersion: 0, role: 'customer' as const, expiresAt: 0 };

describe('PendingSession', () => {
  it('joins one consistent BatchGetItem: the other items come back in order, the session is confirmed, later reads carry nothing', async () => {
    const session = new PendingSession(claims);
    expect(await readJoined(session, [{ pk: 'PRODUCT#p1', sk: 'PRODUCT' }, { pk: 'PRODUCT#gone', sk: 'PRODUCT' }])).toEqual([stored['PRODUCT#p1|PRODUCT']]);
    const input = ddb.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!['unit-table']!;
    expect(input.ConsistentRead).toBe(true);
    expect((input.Keys as { pk: string }[]).map((key) => key.pk)).toEqual(['PRODUCT#p1', 'PRODUCT#gone', 'USER#u1', 'REVOKED#j1', 'SESSION#f1']);
    expect(session.confirmed).toBe(true);
    expect(session.keys).toEqual([]);
    await session.confirm();
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(1);
  });

  it.each([
    ['a deleted user', () => delete stored['USER#u1|PROFILE']],
    ['a disabled user', () => (stored['USER#u1|PROFILE']!.disabled = true)],
    ['a password changed since (session version)', () => (stored['USER#u1|PROFILE']!.sessionVersion = 1)],
    ['a denied token (logout)', () => (stored['REVOKED#j1|TOKEN'] = { pk: 'REVOKED#j1', sk: 'TOKEN' })],
    ['a revoked family (refresh-token reuse)', () => (stored['SESSION#f1|SESSION']!.revoked = true)],
    ['a missing family', () => delete stored['SESSION#f1|SESSION']],
  ])('refuses %s with 401 and confirms nothing', async (_, change) => {
    change();
    const session = new PendingSession(claims);
    await expect(readJoined(session, [{ pk: 'PRODUCT#p1', sk: 'PRODUCT' }])).rejects.toMatchObject({ status: 401 });
    expect(session.confirmed).toBe(false);
  });
});

describe('the pipeline on a joined route', () => {
  const route = {
    method: 'POST', path: '/joined-test', handler: 'functions/none.ts', auth: 'user', sessionLookup: 'joined',
    access: {}, summary: 'test', tag: 'Test',
    schemas: { body: z.object({ n: z.number() }).strict(), response: { status: 200 } },
  } as const satisfies RouteDefinition;
  let token: string;
  beforeEach(async () => {
    token = (await signAccessToken({ userId: 'u1', familyId: 'f1', sessionVersion: 0, role: 'customer' })).token;
  });

  it('a handler that reads with the session: one call in all', async () => {
    const handler = httpHandler(route, async ({ session }) => ok(await readJoined(session, [{ pk: 'PRODUCT#p1', sk: 'PRODUCT' }])));
    const response = await invoke(handler, apiEvent(route, { token, body: { n: 1 } }));
    expect(response.statusCode).toBe(200);
    expect(ddb.calls()).toHaveLength(1);
  });

  it('a handler that read nothing: the pipeline looks the session up before answering (200, or 401 once revoked)', async () => {
    const handler = httpHandler(route, async () => ok({ done: true }));
    expect((await invoke(handler, apiEvent(route, { token, body: { n: 1 } }))).statusCode).toBe(200);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(1);
    stored['SESSION#f1|SESSION']!.revoked = true;
    const refused = await invoke(handler, apiEvent(route, { token, body: { n: 1 } }));
    expect(refused.statusCode).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHORIZED');
  });

  it('an error answer before the session was confirmed (a 409 from the handler, a 400 from validation) is a 401 for an ended session, and itself otherwise', async () => {
    const handler = httpHandler(route, async () => {
      throw new ConflictError('busy');
    });
    expect((await invoke(handler, apiEvent(route, { token, body: { n: 1 } }))).statusCode).toBe(409);
    expect((await invoke(handler, apiEvent(route, { token, body: { n: 'x' } }))).statusCode).toBe(400);
    stored['USER#u1|PROFILE']!.disabled = true;
    expect((await invoke(handler, apiEvent(route, { token, body: { n: 1 } }))).statusCode).toBe(401);
    expect((await invoke(handler, apiEvent(route, { token, body: { n: 'x' } }))).statusCode).toBe(401);
  });

  it('a bad or missing token is refused before the handler runs, with no DynamoDB call', async () => {
    let ran = false;
    const handler = httpHandler(route, async () => {
      ran = true;
      return ok({});
    });
    expect((await invoke(handler, apiEvent(route, { body: { n: 1 } }))).statusCode).toBe(401);
    expect((await invoke(handler, apiEvent(route, { token: `${token}x`, body: { n: 1 } }))).statusCode).toBe(401);
    expect(ran).toBe(false);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('only user-level routes join their lookup (admin routes need the stored role before anything runs)', () => {
    const joined = routeList.filter((r) => (r as RouteDefinition).sessionLookup === 'joined');
    expect(joined.map((r) => r.id).sort()).toEqual(['clearCart', 'getCart', 'placeOrder', 'removeCartLine', 'setCartLine']);
    for (const r of joined) expect(r.auth).toBe('user');
  });
});
