import { serviceRoutes } from '../../infra/routes/service.js';
import { gzipSync } from 'node:zlib';
import { DOCS_SECURITY_HEADERS, EXPLORER_ASSET } from '../../shared/docs/api-reference.js';
import { loadExplorerScript } from '../../shared/docs/explorer-script.js';
import { NotFoundError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { headerValue } from '../../shared/http/parse.js';
import { ok } from '../../shared/http/responses.js';

/** Loaded at init (in the bundle it is a string already); gzipped on the first request that accepts it. */
const script = await loadExplorerScript();
let gzipped: string | undefined;

/** `gzip` listed in Accept-Encoding without `q=0`. API Gateway does not compress responses itself. */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((entry) => {
    const [coding, ...params] = entry.trim().toLowerCase().split(';').map((part) => part.trim());
    return coding === 'gzip' && !params.some((param) => /^q=0(\.0*)?$/.test(param));
  });
}

/**
 * The API reference page's script (openapi-explorer's browser bundle). The name carries the
 * package version, so the response may be cached for good; gzipped (~220 KB instead of
 * ~750 KB) when the browser accepts it.
 */
export const handler = httpHandler(serviceRoutes.docsAsset, async ({ path, event }) => {
  if (path.asset !== EXPLORER_ASSET) throw new NotFoundError('Asset');
  const headers = {
    ...DOCS_SECURITY_HEADERS,
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
  };
  if (!acceptsGzip(headerValue(event, 'accept-encoding'))) return ok(script, { headers });
  gzipped ??= gzipSync(script, { level: 9 }).toString('base64');
  return ok(gzipped, { headers: { ...headers, 'content-encoding': 'gzip' }, isBase64Encoded: true });
});
