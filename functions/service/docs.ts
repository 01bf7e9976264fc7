import { serviceRoutes } from '../../infra/routes/service.js';
import { DOCS_PAGE_HTML, DOCS_SECURITY_HEADERS } from '../../shared/docs/api-reference.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';

/** The API reference page; its script comes from `GET /docs/{asset}` (functions/service/docs-asset.ts). */
export const handler = httpHandler(serviceRoutes.docs, async () =>
  ok(DOCS_PAGE_HTML, {
    headers: { ...DOCS_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
  }),
);
