/**
 * POST /products/{id}/images over HTTP, then the upload itself the way a browser does it: PUT
 * to the presigned URL, GET the public image URL. Locally that is fauxqs's S3; against a
 * deployment (API_URL=...) it is the real bucket and CloudFront, where S3 also enforces the
 * signed type and size.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, expectError, registerUser } from './client.js';

let admin: string;
beforeAll(async () => {
  admin = await adminToken();
});

async function createProduct(name: string): Promise<string> {
  const response = await api('POST', '/products', { token: admin, body: { name, price: 1499, stock: 4 } });
  if (response.status !== 201) throw new Error(`POST /products failed: ${response.status} ${response.text}`);
  return response.body.id as string;
}

const jpegBytes = (length: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(length - 4)]);

describe('product images', () => {
  it('upload URL → PUT the bytes → GET imageUrl returns them; the product lists the image', async () => {
    const id = await createProduct('E2E mug with a photo');
    const bytes = jpegBytes(3_000);
    const created = await api('POST', `/products/${id}/images`, {
      token: admin,
      body: { contentType: 'image/jpeg', filename: 'Mug photo.JPG', size: bytes.length },
    });
    expect(created.status).toBe(201);
    const { uploadUrl, imageUrl } = created.body as { uploadUrl: string; imageUrl: string };
    expect(imageUrl).toMatch(new RegExp(`/products/${id}/[0-9a-f-]{36}\\.jpg$`));
    expect(new URL(uploadUrl).searchParams.get('X-Amz-Expires')).toBe('900');

    const put = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: bytes });
    expect(put.status, await put.clone().text()).toBe(200);

    const image = await fetch(imageUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer()).equals(bytes)).toBe(true);

    const product = await api('GET', `/products/${id}`);
    expect(product.status).toBe(200);
    expect(product.body.images).toEqual([imageUrl]);
  });

  it('401 anonymous, 403 customer, 400 invalid body, 404 unknown product', async () => {
    const body = { contentType: 'image/png', filename: 'a.png', size: 10 };
    const customer = await registerUser('images-customer');
    expectError(await api('POST', '/products/anything/images', { body }), 401, 'UNAUTHORIZED');
    expectError(await api('POST', '/products/anything/images', { token: customer.accessToken, body }), 403, 'FORBIDDEN');
    const invalid = expectError(
      await api('POST', '/products/anything/images', { token: admin, body: { contentType: 'image/gif', filename: 'a.gif', size: 6 * 1024 * 1024 } }),
      400,
      'VALIDATION_ERROR',
    );
    expect((invalid.details.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['body.contentType', 'body.size']);
    expectError(await api('POST', '/products/01JDOESNOTEXIST0000000000/images', { token: admin, body }), 404, 'NOT_FOUND');
  });

  it('404 once the product is soft-deleted, and the image list is left as it was', async () => {
    const id = await createProduct('E2E mug to delete');
    const body = { contentType: 'image/webp', filename: 'a.webp', size: 10 };
    const first = await api('POST', `/products/${id}/images`, { token: admin, body });
    expect(first.status).toBe(201);
    expect((await api('DELETE', `/products/${id}`, { token: admin })).status).toBe(204);
    expectError(await api('POST', `/products/${id}/images`, { token: admin, body }), 404, 'NOT_FOUND');
    const asAdmin = await api('GET', `/products/${id}`, { token: admin });
    expect(asAdmin.body.images).toEqual([first.body.imageUrl]);
  });
});
