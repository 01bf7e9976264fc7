import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as createContact } from '../../functions/contact/create.js';
import { handler as deleteContact } from '../../functions/contact/delete.js';
import { handler as listContact } from '../../functions/contact/list.js';
import { routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { listContactMessages } from '../../shared/contact/contact-repository.js';
import { hashRateLimitKey } from '../../shared/rate-limit.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

const valid = { name: ' Ann ', email: 'Ann@Example.com', phone: '+1 555 0100', message: 'Hello THERE' };

function post(body: unknown, sourceIp = '198.51.100.23') {
  const event = apiEvent(routes.createContactMessage, { body });
  event.requestContext.http.sourceIp = sourceIp;
  return event;
}

/** An admin (or customer) session as authenticate() reads it back. */
async function signedIn(role: 'admin' | 'customer') {
  ddb.on(BatchGetCommand).resolves({
    Responses: { 'unit-table': [{ pk: 'USER#u1', role, sessionVersion: 0 }, { pk: 'SESSION#f1', revoked: false }] },
  });
  return (await signAccessToken({ userId: 'u1', familyId: 'f1', sessionVersion: 0, role })).token;
}

function expectEnvelope(response: Awaited<ReturnType<typeof invoke>>, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toBe('application/json');
  expect(response.body).toEqual({
    error: { code, message: expect.any(String), details: expect.any(Object), requestId: response.headers['x-request-id'] },
  });
}

describe('POST /contact', () => {
  it('201: counts the attempt for the client IP, then stores the message with its index keys', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
    ddb.on(PutCommand).resolves({});
    const response = await invoke(createContact, post(valid));
    expect(response.statusCode).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      name: 'Ann',
      email: 'ann@example.com',
      phone: '+1 555 0100',
      message: 'Hello THERE',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });

    const counter = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(counter.Key!.pk).toMatch(new RegExp(`^RATE#${hashRateLimitKey('contact:ip:198.51.100.23')}#\\d+$`));
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    const { id, createdAt } = response.body;
    expect(put.Item).toMatchObject({
      pk: `CONTACT#${id}`,
      sk: 'CONTACT',
      gsi1pk: 'CONTACTS',
      gsi1sk: `${createdAt}#${id}`,
      searchText: expect.stringContaining('hello there'),
    });
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
    // The counter comes first: a limited request must never reach the Put.
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual(['UpdateCommand', 'PutCommand']);
  });

  it('omits phone when none was given', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
    ddb.on(PutCommand).resolves({});
    const response = await invoke(createContact, post({ name: 'Bo', email: 'bo@example.com', message: 'Hi' }));
    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['createdAt', 'email', 'id', 'message', 'name']);
  });

  it('429 TOO_MANY_REQUESTS with Retry-After over the limit, and no message written', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 6 } });
    const response = await invoke(createContact, post(valid));
    expectEnvelope(response, 429, 'TOO_MANY_REQUESTS');
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(response.body.error.details).toEqual({ retryAfterSeconds: retryAfter });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('IPv4-mapped IPv6 and plain IPv4 share a bucket; another /64 does not', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { hits: 1 } });
    ddb.on(PutCommand).resolves({});
    await invoke(createContact, post(valid, '198.51.100.23'));
    await invoke(createContact, post(valid, '::ffff:198.51.100.23'));
    await invoke(createContact, post(valid, '2001:db8:1:2::1'));
    await invoke(createContact, post(valid, '2001:db8:1:2:aaaa::2'));
    await invoke(createContact, post(valid, '2001:db8:1:3::1'));
    const keys = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key!.pk as string);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).toBe(keys[3]);
    expect(new Set(keys).size).toBe(3);
  });

  it('400 VALIDATION_ERROR lists each bad field and unknown fields, before anything is counted', async () => {
    const response = await invoke(createContact, post({ name: '', email: 'nope', phone: 'call me', message: 'x'.repeat(5001), extra: 1 }));
    expectEnvelope(response, 400, 'VALIDATION_ERROR');
    const fields = response.body.error.details.fields.map((f: { field: string }) => f.field);
    expect(fields.sort()).toEqual(['body.email', 'body.extra', 'body.message', 'body.name', 'body.phone']);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('400 BAD_REQUEST for malformed JSON, 413 for bodies over 64 KiB, with nothing counted', async () => {
    const malformed = apiEvent(routes.createContactMessage, { rawBody: '{"name":' });
    expectEnvelope(await invoke(createContact, malformed), 400, 'BAD_REQUEST');
    expectEnvelope(await invoke(createContact, post({ ...valid, message: 'x'.repeat(70_000) })), 413, 'PAYLOAD_TOO_LARGE');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('500 INTERNAL without internals when the table fails, and no message written', async () => {
    ddb.on(UpdateCommand).rejects(new Error('arn:aws:dynamodb:us-east-1:123:table/secret'));
    const response = await invoke(createContact, post(valid));
    expectEnvelope(response, 500, 'INTERNAL');
    expect(JSON.stringify(response.body)).not.toContain('secret');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('GET /contact', () => {
  it('401 anonymous, 403 customer', async () => {
    expectEnvelope(await invoke(listContact, apiEvent(routes.listContactMessages)), 401, 'UNAUTHORIZED');
    const token = await signedIn('customer');
    expectEnvelope(await invoke(listContact, apiEvent(routes.listContactMessages, { token })), 403, 'FORBIDDEN');
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('queries gsi1 newest first with the lower-cased search as a filter', async () => {
    const token = await signedIn('admin');
    const item = { pk: 'CONTACT#m1', sk: 'CONTACT', gsi1pk: 'CONTACTS', gsi1sk: 't#m1', id: 'm1', name: 'Ann', email: 'a@b.co', message: 'Hi', createdAt: 't', searchText: 'x', type: 'contactMessage' };
    ddb.on(QueryCommand).resolves({ Items: [item] });
    const response = await invoke(listContact, apiEvent(routes.listContactMessages, { token, query: { search: '  HeLLo ', limit: '10' } }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ items: [{ id: 'm1', name: 'Ann', email: 'a@b.co', message: 'Hi', createdAt: 't' }], nextCursor: null });
    const query = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query).toMatchObject({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ScanIndexForward: false,
      FilterExpression: 'contains(searchText, :search)',
      ExpressionAttributeValues: { ':p': 'CONTACTS', ':search': 'hello' },
    });
  });

  it('400 for a bad limit, unknown parameters and a tampered cursor', async () => {
    const token = await signedIn('admin');
    expectEnvelope(await invoke(listContact, apiEvent(routes.listContactMessages, { token, query: { limit: '0' } })), 400, 'VALIDATION_ERROR');
    expectEnvelope(await invoke(listContact, apiEvent(routes.listContactMessages, { token, query: { sort: 'name' } })), 400, 'VALIDATION_ERROR');
    expectEnvelope(await invoke(listContact, apiEvent(routes.listContactMessages, { token, query: { cursor: 'abc.def' } })), 400, 'BAD_REQUEST');
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('a rare search costs a bounded number of reads: the page may be empty with a next cursor', async () => {
    ddb.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: { pk: 'CONTACT#x', sk: 'CONTACT', gsi1pk: 'CONTACTS', gsi1sk: 'x' } });
    const page = await listContactMessages({ limit: 20, search: 'needle' });
    expect(page.items).toEqual([]);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(page.reads);
    expect(page.reads).toBeGreaterThan(0);
    expect(page.reads).toBeLessThanOrEqual(5);
  });
});

describe('DELETE /contact/{id}', () => {
  it('204 with a conditional delete; 404 NOT_FOUND for an unknown id', async () => {
    const token = await signedIn('admin');
    ddb.on(DeleteCommand).resolvesOnce({}).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    const deleted = await invoke(deleteContact, apiEvent(routes.deleteContactMessage, { token, path: { id: 'm1' } }));
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'CONTACT#m1', sk: 'CONTACT' },
      ConditionExpression: 'attribute_exists(pk)',
    });
    expectEnvelope(await invoke(deleteContact, apiEvent(routes.deleteContactMessage, { token, path: { id: 'm1' } })), 404, 'NOT_FOUND');
  });

  it('401 anonymous, 403 customer, nothing deleted', async () => {
    expectEnvelope(await invoke(deleteContact, apiEvent(routes.deleteContactMessage, { path: { id: 'm1' } })), 401, 'UNAUTHORIZED');
    const token = await signedIn('customer');
    expectEnvelope(await invoke(deleteContact, apiEvent(routes.deleteContactMessage, { token, path: { id: 'm1' } })), 403, 'FORBIDDEN');
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });
});
