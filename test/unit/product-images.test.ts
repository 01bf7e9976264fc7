/**
 * POST /products/{id}/images with the AWS clients mocked: validation, the 404 path, the
 * object key, and the presigned URL, which is checked with an independent SigV4 verifier
 * (what S3 does on the PUT) so a URL that would accept another type or size fails here.
 */
import { createHash, createHmac } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Read by shared/products/images.ts when the handler module loads (vitest hoists this above
// the imports). The trailing slash checks that the public base URL is normalised.
vi.hoisted(() => {
  process.env.IMAGES_BUCKET = 'unit-images';
  process.env.IMAGES_PUBLIC_URL = 'https://images.example.com/';
});

import { handler } from '../../functions/products/create-image-upload.js';
import { routes } from '../../infra/routes.js';
import { signAccessToken } from '../../shared/auth/tokens.js';
import { createImageUploadBodySchema, MAX_IMAGE_BYTES } from '../../shared/schemas/product-images.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

const ddb = mockClient(DynamoDBDocumentClient);
const route = routes.createProductImageUpload;
const PRODUCT_ID = '01JPRODUCT0000000000000000';

beforeEach(() => {
  ddb.reset();
  ddb.on(UpdateCommand).resolves({});
});

/** A stored user with this role, as the auth step's BatchGetItem sees it. */
async function tokenFor(role: 'admin' | 'customer'): Promise<string> {
  ddb.on(BatchGetCommand).resolves({
    Responses: { 'unit-table': [{ pk: 'USER#u1', role, sessionVersion: 0 }, { pk: 'SESSION#f1', revoked: false }] },
  });
  return (await signAccessToken({ userId: 'u1', familyId: 'f1', sessionVersion: 0, role })).token;
}

const upload = async (body: unknown, options: { id?: string; role?: 'admin' | 'customer' | null } = {}) => {
  const role = options.role === undefined ? 'admin' : options.role;
  const token = role ? await tokenFor(role) : undefined;
  return invoke(handler, apiEvent(route, { path: { id: options.id ?? PRODUCT_ID }, body, ...(token && { token }) }));
};

const validBody = { contentType: 'image/png', filename: 'mug.png', size: 12_345 };

// ---- an S3-style SigV4 query-string verifier, independent of the SDK ----------------------

const rfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/**
 * Would S3 accept a PUT of this URL with these headers? Recomputes the signature from the
 * request the client will send; the secret is the unit env's AWS_SECRET_ACCESS_KEY.
 */
function s3WouldAccept(uploadUrl: string, headers: Record<string, string>): boolean {
  const url = new URL(uploadUrl);
  const params = [...url.searchParams.entries()];
  const get = (name: string) => url.searchParams.get(name) ?? '';
  const signedHeaders = get('X-Amz-SignedHeaders').split(';');
  const all: Record<string, string> = { host: url.host, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) };
  if (signedHeaders.some((name) => all[name] === undefined)) return false;
  const canonicalRequest = [
    'PUT',
    url.pathname,
    params
      .filter(([name]) => name !== 'X-Amz-Signature')
      .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `${name}=${value}`)
      .join('&'),
    signedHeaders.map((name) => `${name}:${all[name]!.trim()}\n`).join(''),
    signedHeaders.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const [, date, region, service] = get('X-Amz-Credential').split('/');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', get('X-Amz-Date'), scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${process.env.AWS_SECRET_ACCESS_KEY}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex') === get('X-Amz-Signature');
}

// -------------------------------------------------------------------------------------------

describe('image upload body schema', () => {
  it('accepts jpeg, png and webp up to exactly 5 MiB', () => {
    for (const contentType of ['image/jpeg', 'image/png', 'image/webp']) {
      expect(createImageUploadBodySchema.safeParse({ ...validBody, contentType }).success, contentType).toBe(true);
    }
    expect(createImageUploadBodySchema.safeParse({ ...validBody, size: MAX_IMAGE_BYTES }).success).toBe(true);
    expect(MAX_IMAGE_BYTES).toBe(5 * 1024 * 1024);
  });

  it.each([
    ['image/gif', { contentType: 'image/gif' }],
    ['SVG (scriptable)', { contentType: 'image/svg+xml' }],
    ['upper-case type (the signed header must match byte for byte)', { contentType: 'IMAGE/PNG' }],
    ['size 0', { size: 0 }],
    ['size over 5 MiB', { size: MAX_IMAGE_BYTES + 1 }],
    ['fractional size', { size: 10.5 }],
    ['size as a string', { size: '100' }],
    ['empty filename', { filename: '  ' }],
    ['control characters in the filename', { filename: 'a\nb.png' }],
    ['filename over 255 characters', { filename: `${'a'.repeat(252)}.png` }],
    ['an unknown field', { key: 'products/other/x.png' }],
  ])('refuses %s', (_label, change) => {
    expect(createImageUploadBodySchema.safeParse({ ...validBody, ...change }).success).toBe(false);
  });

  it.each(['contentType', 'filename', 'size'])('requires %s', (field) => {
    const body: Record<string, unknown> = { ...validBody };
    delete body[field];
    expect(createImageUploadBodySchema.safeParse(body).success).toBe(false);
  });
});

describe('POST /products/{id}/images', () => {
  it('201: a presigned PUT for a new key under products/<id>/ and the public URL, appended to the product', async () => {
    const response = await upload(validBody);
    expect(response.statusCode).toBe(201);
    const { uploadUrl, imageUrl } = response.body as { uploadUrl: string; imageUrl: string };
    expect(Object.keys(response.body).sort()).toEqual(['imageUrl', 'uploadUrl']);

    const key = new RegExp(`^products/${PRODUCT_ID}/[0-9a-f-]{36}\\.png$`);
    expect(imageUrl.startsWith('https://images.example.com/products/')).toBe(true);
    const imageKey = imageUrl.slice('https://images.example.com/'.length);
    expect(imageKey).toMatch(key);

    const url = new URL(uploadUrl);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('unit-images.s3.us-east-1.amazonaws.com');
    expect(url.pathname).toBe(`/${imageKey}`);

    const update = ddb.commandCalls(UpdateCommand);
    expect(update).toHaveLength(1);
    expect(update[0]!.args[0].input).toEqual({
      TableName: 'unit-table',
      Key: { pk: `PRODUCT#${PRODUCT_ID}`, sk: 'PRODUCT' },
      UpdateExpression: 'SET images = list_append(if_not_exists(images, :empty), :new), updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
      ExpressionAttributeValues: { ':empty': [], ':new': [imageUrl], ':now': expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
  });

  it('signs content-type and content-length, expires in 900 s, and carries no empty-body checksum', async () => {
    const { uploadUrl } = (await upload({ ...validBody, contentType: 'image/webp', size: 4096 })).body;
    const params = new URL(uploadUrl).searchParams;
    expect(params.get('X-Amz-Expires')).toBe('900');
    expect(params.get('X-Amz-SignedHeaders')!.split(';')).toEqual(['content-length', 'content-type', 'host']);
    expect(params.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    // The SDK's default CRC32 of the (empty) body at signing time would make S3 reject every upload.
    expect([...params.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
  });

  it('the signature holds for the declared type and size only (what S3 checks on the PUT)', async () => {
    const { uploadUrl } = (await upload({ ...validBody, contentType: 'image/jpeg', size: 2048 })).body;
    expect(s3WouldAccept(uploadUrl, { 'content-type': 'image/jpeg', 'content-length': '2048' })).toBe(true);
    expect(s3WouldAccept(uploadUrl, { 'content-type': 'image/png', 'content-length': '2048' })).toBe(false);
    expect(s3WouldAccept(uploadUrl, { 'content-type': 'text/html', 'content-length': '2048' })).toBe(false);
    expect(s3WouldAccept(uploadUrl, { 'content-type': 'image/jpeg', 'content-length': '2049' })).toBe(false);
    expect(s3WouldAccept(uploadUrl, { 'content-type': 'image/jpeg', 'content-length': String(MAX_IMAGE_BYTES) })).toBe(false);
    expect(s3WouldAccept(uploadUrl, { 'content-type': 'image/jpeg' })).toBe(false);
    const otherKey = uploadUrl.replace(/\/[0-9a-f-]{36}\.jpg\?/, '/00000000-0000-0000-0000-000000000000.jpg?');
    expect(s3WouldAccept(otherKey, { 'content-type': 'image/jpeg', 'content-length': '2048' })).toBe(false);
  });

  it('takes the extension from the content type, never from the filename, and a new key every time', async () => {
    const first = (await upload({ contentType: 'image/webp', filename: '../../evil.exe', size: 10 })).body;
    const second = (await upload({ contentType: 'image/webp', filename: '../../evil.exe', size: 10 })).body;
    for (const { imageUrl, uploadUrl } of [first, second]) {
      expect(imageUrl).toMatch(new RegExp(`/products/${PRODUCT_ID}/[0-9a-f-]{36}\\.webp$`));
      expect(`${imageUrl}${uploadUrl}`).not.toMatch(/evil|\.exe|\.\./);
    }
    expect(first.imageUrl).not.toBe(second.imageUrl);
  });

  it('404 NOT_FOUND when the product is missing or soft-deleted (the condition fails)', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const response = await upload(validBody);
    expect(response.statusCode).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'Product not found' });
    expect(JSON.stringify(response.body)).not.toMatch(/X-Amz|https:/);
  });

  it('500 without internals when DynamoDB fails otherwise', async () => {
    ddb.on(UpdateCommand).rejects(new Error('socket hang up'));
    const response = await upload(validBody);
    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/socket|X-Amz/);
  });

  it.each([
    ['a GIF', { ...validBody, contentType: 'image/gif' }, 'body.contentType'],
    ['size 0', { ...validBody, size: 0 }, 'body.size'],
    ['more than 5 MiB', { ...validBody, size: MAX_IMAGE_BYTES + 1 }, 'body.size'],
    ['no size', { contentType: 'image/png', filename: 'a.png' }, 'body.size'],
    ['no filename', { contentType: 'image/png', size: 1 }, 'body.filename'],
    ['no content type', { filename: 'a.png', size: 1 }, 'body.contentType'],
  ])('400 VALIDATION_ERROR for %s, and nothing is written', async (_label, body, field) => {
    const response = await upload(body);
    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('400 for a product id that could not be a key segment', async () => {
    const response = await upload(validBody, { id: '..' });
    expect(response.statusCode).toBe(400);
    expect(response.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['path.id']);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('401 anonymous, 403 customer, and nothing is written', async () => {
    expect((await upload(validBody, { role: null })).statusCode).toBe(401);
    const forbidden = await upload(validBody, { role: 'customer' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
