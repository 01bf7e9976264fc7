import { S3Client } from '@aws-sdk/client-s3';

/**
 * Built once per container; the endpoint comes from AWS_ENDPOINT_URL_S3 when set (locally
 * fauxqs on `http://127.0.0.1:<port>`, for which the SDK picks path-style URLs by itself).
 *
 * `requestChecksumCalculation: 'WHEN_REQUIRED'`: by default (`WHEN_SUPPORTED`) the SDK adds a
 * CRC32 of the request body to PutObject. A presigned PUT has no body when it is signed, so the
 * URL would carry `x-amz-checksum-crc32=AAAAAA==` (the CRC32 of nothing) and S3 would reject
 * every real upload with a checksum mismatch.
 */
export const s3 = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
