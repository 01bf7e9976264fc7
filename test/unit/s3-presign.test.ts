/**
 * shared/clients/s3.ts presigns PUTs without the S3 client (issue 13: ~125 KiB less in the
 * image-upload bundle). Same instant, same credentials: its URL must be the one the SDK's
 * `getSignedUrl(S3Client, PutObjectCommand)` gives, byte for byte.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { presignPut, s3ObjectUrl } from '../../shared/clients/s3.js';

async function sdkUrl(env: Record<string, string | undefined>, bucket: string, key: string): Promise<string> {
  const endpoint = env.AWS_ENDPOINT_URL_S3;
  const client = new S3Client({
    region: process.env.AWS_REGION!,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(endpoint && { endpoint, forcePathStyle: true }),
  });
  return getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: 'image/png', ContentLength: 1234 }), {
    expiresIn: 900,
    signableHeaders: new Set(['content-type', 'content-length']),
  });
}

describe('presignPut (no S3 client)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T05:06:07Z'));
  });
  afterEach(() => vi.useRealTimers());

  const key = 'products/01JPRODUCT0000000000000000/0f8fad5b-d9cb-469f-a165-70867728950e.png';

  it.each([
    ['AWS (virtual-hosted)', {}],
    ['an endpoint override (path-style, e.g. fauxqs)', { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4599' }],
  ])('gives the URL the SDK gives: %s', async (_label, env: Record<string, string>) => {
    const ours = await presignPut(
      { bucket: 'shop-images-1a2b', key, signedHeaders: { 'content-type': 'image/png', 'content-length': '1234' }, expiresInSeconds: 900 },
      { ...process.env, ...env },
    );
    expect(ours).toBe(await sdkUrl(env, 'shop-images-1a2b', key));
    const params = new URL(ours).searchParams;
    expect(params.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(params.get('X-Amz-Expires')).toBe('900');
  });

  it('object URLs: virtual-hosted on AWS (China partition suffix), path-style on an override, segments escaped', () => {
    expect(s3ObjectUrl('b', 'products/a/b.png', 'eu-west-1', {}).href).toBe('https://b.s3.eu-west-1.amazonaws.com/products/a/b.png');
    expect(s3ObjectUrl('b', 'k', 'cn-north-1', {}).href).toBe('https://b.s3.cn-north-1.amazonaws.com.cn/k');
    expect(s3ObjectUrl('b', 'k', 'eu-west-1', { AWS_ENDPOINT_URL: 'http://localhost:4566/' }).href).toBe('http://localhost:4566/b/k');
    expect(s3ObjectUrl('b', 'a b/c(1).png', 'eu-west-1', { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' }).href).toBe(
      'http://127.0.0.1:1/b/a%20b/c%281%29.png',
    );
  });
});
