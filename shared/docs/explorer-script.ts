/**
 * openapi-explorer's browser bundle (one self-contained 750 KB script, its CSS included), as
 * text. Only the `GET /docs/{asset}` function imports this module, so only its Lambda bundle
 * carries the script.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const EXPLORER_SCRIPT = 'openapi-explorer/dist/browser/openapi-explorer.min.js';

/**
 * In a Lambda bundle, esbuild inlines the file as a string (the `type: 'text'` import
 * attribute, esbuild ≥ 0.25; no loader setting needed in the one build of all functions).
 * Run from the TypeScript sources (tsx for `npm start` and the e2e stack, vitest), Node has
 * no text imports and vitest would evaluate the file as a module, so the file is read from
 * node_modules instead; the import below is never reached there.
 */
export async function loadExplorerScript(): Promise<string> {
  if (import.meta.url.endsWith('.ts')) {
    return readFile(createRequire(import.meta.url).resolve(EXPLORER_SCRIPT), 'utf8');
  }
  const bundled = await import('openapi-explorer/dist/browser/openapi-explorer.min.js', { with: { type: 'text' } });
  return bundled.default;
}
