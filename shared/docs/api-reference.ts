/**
 * The API reference page (`GET /docs`): openapi-explorer, a web component from npm, renders
 * `/openapi.json` in the browser. Everything the page loads is served by this API (the page,
 * the component's one script from `GET /docs/{asset}`, the document), so it works offline and
 * under a strict Content-Security-Policy: no inline script, no CDN, no web fonts.
 *
 * This module is light on purpose: the page's function imports it, while the 750 KB script
 * lives only in the asset function (shared/docs/explorer-script.ts).
 */
import explorerPackage from 'openapi-explorer/package.json' with { type: 'json' };

/**
 * The script's name under /docs/, versioned so that browsers may cache it for good: a new
 * openapi-explorer version is a new URL.
 */
export const EXPLORER_ASSET = `openapi-explorer-${explorerPackage.version}.min.js`;

/**
 * What the page may load: scripts only from this API (no inline script, no eval), requests
 * (the document and the explorer's "try it" calls) only to this API. Styles: the web
 * component sets `style` attributes, hence `'unsafe-inline'` for styles (never for scripts).
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every docs response besides the content type. */
export const DOCS_SECURITY_HEADERS = {
  'content-security-policy': DOCS_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * The page. URLs are relative (`docs/…`, `openapi.json`, resolved against `/docs`), so it
 * also works behind a custom domain's base path. The empty data: icon saves the browser a
 * `/favicon.ico` request (a 404).
 */
export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Order Management API reference</title>
<link rel="icon" href="data:,">
<script defer src="docs/${EXPLORER_ASSET}"></script>
</head>
<body>
<openapi-explorer spec-url="openapi.json"></openapi-explorer>
</body>
</html>
`;
