import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as health } from '../../functions/service/health.js';
import { handler as openapi } from '../../functions/service/openapi.js';
import { handler as register } from '../../functions/auth/register.js';
import { handler as login } from '../../functions/auth/login.js';
import { handler as getMe } from '../../functions/me/get.js';
import { handler as listUsers } from '../../functions/users/list.js';
import { routeList, routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  // The abuse-limit counters (shared/rate-limit.ts): the first attempt of a window.
  ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
});

const validRegistration = { email: 'Ann@Example.com', password: 'correct horse', name: 'Ann' };

describe('HTTP pipeline', () => {
  it('answers /health with a request id and CORS header', async () => {
    const response = await invoke(health, apiEvent(routes.health));
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('puts the request id in the error envelope too', async () => {
    const event = apiEvent(routes.register, { rawBody: '{not json' });
    const response = await invoke(register, event);
    expect(response.statusCode).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'BAD_REQUEST', requestId: event.requestContext.requestId });
    expect(response.headers['x-request-id']).toBe(event.requestContext.requestId);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('rejects bodies over 64 KiB with 413 and writes nothing', async () => {
    const response = await invoke(register, apiEvent(routes.register, { body: { ...validRegistration, name: 'x'.repeat(70_000) } }));
    expect(response.statusCode).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('lists every failing field, and unknown fields, in details', async () => {
    const response = await invoke(register, apiEvent(routes.register, { body: { email: 'nope', password: 'short', role: 'admin' } }));
    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    const fields = response.body.error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.password', 'body.name', 'body.role']));
    expect(ddb.calls()).toHaveLength(0);
  });

  it('rejects passwords over 72 bytes (multi-byte characters count as bytes)', async () => {
    const password = 'é'.repeat(37); // 37 characters, 74 bytes
    const response = await invoke(register, apiEvent(routes.register, { body: { ...validRegistration, password } }));
    expect(response.statusCode).toBe(400);
    expect(response.body.error.details.fields).toEqual([{ field: 'body.password', message: 'must be at most 72 bytes (UTF-8)' }]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('decodes base64 bodies as API Gateway sends them', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const response = await invoke(register, apiEvent(routes.register, { body: validRegistration, base64: true }));
    expect(response.statusCode).toBe(201);
    expect(response.body.user).toMatchObject({ email: 'ann@example.com', name: 'Ann', role: 'customer', disabled: false });
    expect(response.body.user.passwordHash).toBeUndefined();
    expect(response.cookies[0]).toMatch(/^accessToken=.+; HttpOnly; Secure; SameSite=Strict/);
    const claim = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!;
    expect(claim.Item).toMatchObject({ pk: 'EMAIL#ann@example.com' });
    expect(claim.ConditionExpression).toBe('attribute_not_exists(pk)');
    const message = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!);
    expect(message).toMatchObject({ type: 'user.registered', data: { email: 'ann@example.com' } });
  });

  it('maps a lost email claim to 409 EMAIL_TAKEN and queues no email', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
    );
    const response = await invoke(register, apiEvent(routes.register, { body: validRegistration }));
    expect(response.statusCode).toBe(409);
    expect(response.body.error.code).toBe('EMAIL_TAKEN');
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 500 INTERNAL without leaking the cause', async () => {
    ddb.on(TransactWriteCommand).rejects(new Error('arn:aws:dynamodb:secret-internal-detail'));
    const response = await invoke(register, apiEvent(routes.register, { body: validRegistration }));
    expect(response.statusCode).toBe(500);
    expect(response.body.error.code).toBe('INTERNAL');
    expect(JSON.stringify(response.body)).not.toContain('secret-internal-detail');
  });

  it('serves an OpenAPI 3.1 document with every route of the table', async () => {
    const response = await invoke(openapi, apiEvent(routes.openApi));
    expect(response.body.openapi).toBe('3.1.0');
    for (const route of routeList) {
      expect(response.body.paths[route.path]?.[route.method.toLowerCase()]?.operationId).toBe(route.id);
    }
    expect(response.body.paths['/auth/register'].post.requestBody.content['application/json'].schema).toBeTruthy();
  });
});

describe('login', () => {
  const claimed = { Attributes: { windowStartedAt: Date.now(), attempts: 1, hits: 1 } };
  const loginCalls = () => ddb.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.Key!.pk).startsWith('LOGIN#'));

  it('answers an unknown email exactly like a wrong password, and claims a check for both', async () => {
    const passwordHash = await hashPassword('the right one');
    ddb.on(GetCommand, { Key: { pk: 'EMAIL#ann@example.com', sk: 'EMAIL' } }).resolves({ Item: { userId: 'u1' } });
    ddb.on(GetCommand, { Key: { pk: 'EMAIL#ghost@example.com', sk: 'EMAIL' } }).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'USER#u1', sk: 'PROFILE' } }).resolves({
      Item: { id: 'u1', email: 'ann@example.com', name: 'Ann', role: 'customer', passwordHash, sessionVersion: 0 },
    });
    ddb.on(UpdateCommand).resolves(claimed);
    const wrong = await invoke(login, apiEvent(routes.login, { body: { email: 'ann@example.com', password: 'wrong password' } }));
    const unknown = await invoke(login, apiEvent(routes.login, { body: { email: 'ghost@example.com', password: 'wrong password' } }));
    expect(wrong.statusCode).toBe(401);
    const strip = (body: { error: Record<string, unknown> }) => ({ ...body.error, requestId: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    expect(loginCalls().map((c) => c.args[0].input.Key!.pk)).toEqual(['LOGIN#ann@example.com', 'LOGIN#ghost@example.com']);
  });

  it('answers 429 with Retry-After while the window is full, before reading the user or checking the password', async () => {
    const startedAt = Date.now() - 300_000;
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
    ddb.on(UpdateCommand, { Key: { pk: 'LOGIN#ann@example.com', sk: 'ATTEMPTS' } }).rejects(
      Object.assign(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }), { Item: { windowStartedAt: { N: String(startedAt) }, attempts: { N: '5' } } }),
    );
    const response = await invoke(login, apiEvent(routes.login, { body: { email: 'ann@example.com', password: 'anything' } }));
    expect(response.statusCode).toBe(429);
    expect(response.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(590);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(600);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('opens a new window, setting the whole item, when the old one is over', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
    ddb.on(UpdateCommand, { UpdateExpression: 'ADD attempts :one' }).rejects(
      Object.assign(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }), { Item: { windowStartedAt: { N: String(Date.now() - 16 * 60_000) } } }),
    );
    const response = await invoke(login, apiEvent(routes.login, { body: { email: 'new@example.com', password: 'wrong password' } }));
    expect(response.statusCode).toBe(401);
    const opened = loginCalls().find((c) => c.args[0].input.UpdateExpression!.startsWith('SET windowStartedAt'));
    expect(opened?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':one': 1 });
    expect(opened?.args[0].input.ConditionExpression).toBe('attribute_not_exists(windowStartedAt) OR windowStartedAt <= :cutoff');
  });
});

describe('authentication and roles', () => {
  const token = async (role: 'customer' | 'admin' = 'customer', sessionVersion = 0) =>
    (await signAccessToken({ userId: 'u1', familyId: 'f1', sessionVersion, role })).token;
  const stored = (user: Record<string, unknown>, extra: Record<string, unknown>[] = [{ pk: 'SESSION#f1', revoked: false }]) =>
    ddb.on(BatchGetCommand).resolves({ Responses: { 'unit-table': [{ pk: 'USER#u1', role: 'customer', sessionVersion: 0, ...user }, ...extra] } });

  it('401 without a token, with an envelope', async () => {
    const response = await invoke(getMe, apiEvent(routes.getMe));
    expect(response.statusCode).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHORIZED');
  });

  it('401 for a malformed Authorization header', async () => {
    const response = await invoke(getMe, apiEvent(routes.getMe, { headers: { authorization: 'Basic abc' } }));
    expect(response.statusCode).toBe(401);
  });

  it('accepts the accessToken cookie as well as the header', async () => {
    stored({});
    ddb.on(GetCommand).resolves({ Item: { id: 'u1', email: 'a@b.co', name: 'A', role: 'customer', passwordHash: 'h', createdAt: 'c', updatedAt: 'u' } });
    const response = await invoke(getMe, apiEvent(routes.getMe, { cookies: [`accessToken=${await token()}`] }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ id: 'u1', email: 'a@b.co', name: 'A', role: 'customer', createdAt: 'c' });
  });

  it('401 for a disabled user even with a valid token', async () => {
    stored({ disabled: true });
    expect((await invoke(getMe, apiEvent(routes.getMe, { token: await token() }))).statusCode).toBe(401);
  });

  it('401 for a revoked jti, a revoked family or an old session version', async () => {
    stored({}, [{ pk: 'SESSION#f1', revoked: true }]);
    expect((await invoke(getMe, apiEvent(routes.getMe, { token: await token() }))).statusCode).toBe(401);
    ddb.reset();
    stored({ sessionVersion: 1 });
    expect((await invoke(getMe, apiEvent(routes.getMe, { token: await token() }))).statusCode).toBe(401);
    ddb.reset();
    const access = await signAccessToken({ userId: 'u1', familyId: 'f1', sessionVersion: 0, role: 'customer' });
    stored({}, [{ pk: 'SESSION#f1', revoked: false }, { pk: `REVOKED#${access.jti}` }]);
    expect((await invoke(getMe, apiEvent(routes.getMe, { token: access.token }))).statusCode).toBe(401);
  });

  it('403 for a customer on an admin route, using the stored role, not the token claim', async () => {
    stored({ role: 'customer' });
    const response = await invoke(listUsers, apiEvent(routes.listUsers, { token: await token('admin') }));
    expect(response.statusCode).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
  });

  it('authenticates before validating: anonymous bad input is a 401', async () => {
    const response = await invoke(listUsers, apiEvent(routes.listUsers, { query: { limit: '5000' } }));
    expect(response.statusCode).toBe(401);
  });
});
