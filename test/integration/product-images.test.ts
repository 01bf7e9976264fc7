/**
 * Product image uploads against DynamoDB Local and fauxqs's S3: the handler hands out a
 * presigned URL, the test PUTs real bytes to it exactly as a browser would, reads them back
 * from the public image URL, and checks the product item. Products are written straight into
 * the table with the products slice's key shape, so this does not depend on that slice.
 *
 * fauxqs does not verify signatures: that S3 refuses another type or size is covered by the
 * unit test's SigV4 verifier (test/unit/product-images.test.ts) and by e2e runs against AWS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.js';
import { apiEvent, invoke, type ParsedResponse } from '../support/api-gateway-event.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const table = () => process.env.TABLE_NAME!;
let uploadHandler: typeof import('../../functions/products/create-image-upload.js').handler;
let adminToken: string;

beforeAll(async () => {
  uploadHandler = (await import('../../functions/products/create-image-upload.js')).handler;
  const login = (await import('../../functions/auth/login.js')).handler;
  const { ensureAdmin } = await import('../../shared/users/accounts.js');
  const email = `images-admin-${randomUUID()}@example.com`;
  await ensureAdmin({ email, password: 'admin-password' });
  adminToken = (await invoke(login, apiEvent(routes.login, { body: { email, password: 'admin-password' } }))).body.accessToken;
  expect(adminToken).toEqual(expect.any(String));
});

/** A product item as the products slice stores it (the fields this feature touches). */
async function putProduct(extra: Record<string, unknown> = {}): Promise<string> {
  const id = randomUUID();
  const at = '2025-01-01T00:00:00.000Z';
  const item: Record<string, unknown> = {
    pk: `PRODUCT#${id}`, sk: 'PRODUCT', type: 'product', id, name: 'Blue mug', description: '', price: 1299,
    currency: 'usd', stock: 3, images: [], lowStockThreshold: 5, createdAt: at, updatedAt: at, version: 1,
    ...extra,
  };
  // `extra` may set an attribute to undefined to leave it out of the item.
  const Item = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
  await db.send(new PutCommand({ TableName: table(), Item }));
  return id;
}

const readProduct = async (id: string) =>
  (await db.send(new GetCommand({ TableName: table(), Key: { pk: `PRODUCT#${id}`, sk: 'PRODUCT' }, ConsistentRead: true }))).Item!;

const requestUpload = (id: string, body: { contentType: string; filename: string; size: number }): Promise<ParsedResponse> =>
  invoke(uploadHandler, apiEvent(routes.createProductImageUpload, { path: { id }, body, token: adminToken }));

/** A few bytes with a real PNG signature. */
const pngBytes = (length = 2_000) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(length - 8)]);

describe('product image upload (DynamoDB Local + fauxqs S3)', () => {
  it('PUT to the upload URL stores the bytes; GET imageUrl returns them; the product lists the URL', async () => {
    const id = await putProduct();
    const bytes = pngBytes(4_321);
    const response = await requestUpload(id, { contentType: 'image/png', filename: 'mug.png', size: bytes.length });
    expect(response.statusCode).toBe(201);
    const { uploadUrl, imageUrl } = response.body as { uploadUrl: string; imageUrl: string };
    expect(imageUrl).toBe(`${process.env.IMAGES_PUBLIC_URL}/${new URL(uploadUrl).pathname.split('/').slice(2).join('/')}`);
    expect(imageUrl).toMatch(new RegExp(`/products/${id}/[0-9a-f-]{36}\\.png$`));

    // Before the upload the object does not exist yet.
    expect((await fetch(imageUrl)).status).toBe(404);

    const put = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: bytes });
    expect(put.status).toBe(200);

    const got = await fetch(imageUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);

    const product = await readProduct(id);
    expect(product.images).toEqual([imageUrl]);
    expect(product.updatedAt > '2025-01-01T00:00:00.000Z').toBe(true);
    expect(product).toMatchObject({ name: 'Blue mug', stock: 3, version: 1 }); // nothing else touched
  });

  it('appends in order, also to a product stored without an images attribute, with a new key each time', async () => {
    const id = await putProduct({ images: undefined });
    expect((await readProduct(id)).images).toBeUndefined();
    const jpeg = await requestUpload(id, { contentType: 'image/jpeg', filename: 'a.jpg', size: 10 });
    const webp = await requestUpload(id, { contentType: 'image/webp', filename: 'a.jpg', size: 10 });
    expect([jpeg.statusCode, webp.statusCode]).toEqual([201, 201]);
    expect(jpeg.body.imageUrl).toMatch(/\.jpg$/);
    expect(webp.body.imageUrl).toMatch(/\.webp$/);
    expect((await readProduct(id)).images).toEqual([jpeg.body.imageUrl, webp.body.imageUrl]);
  });

  it('parallel requests for one product lose no URL', async () => {
    const id = await putProduct();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => requestUpload(id, { contentType: 'image/png', filename: `${i}.png`, size: 100 + i })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    const urls = responses.map((r) => r.body.imageUrl as string);
    expect(new Set(urls).size).toBe(10);
    expect([...(await readProduct(id)).images].sort()).toEqual([...urls].sort());
  });

  it('404 for a soft-deleted product: no URL handed out, the item unchanged', async () => {
    const id = await putProduct({ images: ['https://images.example.com/products/x/old.png'], deletedAt: '2025-02-01T00:00:00.000Z' });
    const before = await readProduct(id);
    const response = await requestUpload(id, { contentType: 'image/png', filename: 'a.png', size: 10 });
    expect(response.statusCode).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
    expect(response.body.uploadUrl).toBeUndefined();
    expect(await readProduct(id)).toEqual(before);
  });

  it('404 for an unknown product, and no item is created by the update', async () => {
    const id = randomUUID();
    const response = await requestUpload(id, { contentType: 'image/png', filename: 'a.png', size: 10 });
    expect(response.statusCode).toBe(404);
    const { Item } = await db.send(new GetCommand({ TableName: table(), Key: { pk: `PRODUCT#${id}`, sk: 'PRODUCT' }, ConsistentRead: true }));
    expect(Item).toBeUndefined();
  });
});
