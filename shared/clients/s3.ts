/**
 * Presigned S3 PUT URLs, signed by the SDK's own presigner (`S3RequestPresigner`: SigV4
 * query-string signing with `UNSIGNED-PAYLOAD`) on a request built here, without the S3 client.
 *
 * Why not `getSignedUrl(new S3Client(), new PutObjectCommand())`: the S3 client and its
 * middleware (endpoint rules, flexible checksums) are ~125 KiB of the image-upload function's
 * bundle (715 → ~590 KiB, issue 13), and presigning needs none of it: the URL of an object is
 * `https://<bucket>.s3.<region>.amazonaws.com/<key>` (virtual-hosted style, what the client
 * picks for a DNS-compatible bucket name such as the stack's), and the signature is computed
 * locally with the function's credentials (the SDK's default provider chain, as every client).
 * Nor does it add the client's CRC32 of the (empty) body that made S3 reject every upload
 * (the client needed `requestChecksumCalculation: 'WHEN_REQUIRED'`).
 *
 * Endpoint override: `AWS_ENDPOINT_URL_S3` (else `AWS_ENDPOINT_URL`), as the SDK reads them;
 * locally fauxqs on `http://127.0.0.1:<port>`. Object URLs on an override are path-style
 * (`<endpoint>/<bucket>/<key>`), which every S3 emulator serves (the client also goes
 * path-style on an IP-address endpoint; on a host name it would go virtual-hosted).
 * FIPS and dual-stack endpoints are not used by this stack and not supported here.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { Hash } from '@smithy/core/serde';

/** RFC 3986 escaping of one path segment or query part, as the SDK's `extendedEncodeURIComponent`. */
const escape = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The URL of an object: virtual-hosted on AWS, path-style on an endpoint override. */
export function s3ObjectUrl(bucket: string, key: string, region: string, env: NodeJS.ProcessEnv = process.env): URL {
  const path = key.split('/').map(escape).join('/');
  const override = (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL)?.trim();
  if (override) return new URL(`${override.replace(/\/+$/, '')}/${escape(bucket)}/${path}`);
  const dnsSuffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${bucket}.s3.${region}.${dnsSuffix}/${path}`);
}

export interface PresignPutInput {
  readonly bucket: string;
  readonly key: string;
  /** Headers the upload must carry with exactly these values (all signed: S3 answers 403 to others). */
  readonly signedHeaders: Readonly<Record<string, string>>;
  readonly expiresInSeconds: number;
}

/** Built on first use: region and credentials come from the environment, as for every client. */
let presigner: { readonly region: string; readonly signer: S3RequestPresigner } | undefined;

function presignerFor(env: NodeJS.ProcessEnv): { readonly region: string; readonly signer: S3RequestPresigner } {
  if (presigner) return presigner;
  const region = (env.AWS_REGION ?? env.AWS_DEFAULT_REGION)?.trim();
  if (!region) throw new Error('S3 presigning: AWS_REGION is not set');
  presigner = {
    region,
    signer: new S3RequestPresigner({ region, credentials: defaultProvider(), sha256: Hash.bind(null, 'sha256') }),
  };
  return presigner;
}

/** A URL that lets its holder PUT one object, with the given headers, until it expires. */
export async function presignPut(input: PresignPutInput, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { region, signer } = presignerFor(env);
  const url = s3ObjectUrl(input.bucket, input.key, region, env);
  const headers = Object.fromEntries(Object.entries(input.signedHeaders).map(([name, value]) => [name.toLowerCase(), value]));
  const signed = await signer.presign(
    {
      method: 'PUT',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      // The S3 client's operation marker: with it the URL is byte for byte the client's.
      query: { 'x-id': 'PutObject' },
      headers: { ...headers, host: url.host },
    },
    { expiresIn: input.expiresInSeconds, signableHeaders: new Set(Object.keys(headers)) },
  );
  // Sorted by name, as the SDK's `formatUrl` writes it.
  const query = Object.entries(signed.query ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).filter((v) => v != null).map((v) => `${escape(name)}=${escape(v!)}`))
    .join('&');
  return `${url.origin}${url.pathname}${query ? `?${query}` : ''}`;
}
