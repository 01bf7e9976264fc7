/**
 * Reads and resets the conflict proxy's counters from an integration test worker. The proxy runs
 * in the global-setup process, so workers reach it over HTTP (`CONFLICT_PROXY_URL`).
 *
 * The counters are shared by every test file running at the same time: compare before/after
 * values or assert on keys only your test writes, rather than on totals after a reset.
 */
import type { ConflictProxyStats } from '../../infra/local/conflict-proxy.js';

function proxyUrl(url: string | undefined): string {
  const resolved = url ?? process.env.CONFLICT_PROXY_URL;
  if (!resolved) throw new Error('CONFLICT_PROXY_URL is not set; is test/support/emulator-env.ts a setupFile?');
  return resolved;
}

/** `GET /__proxy/stats`; `top` hottest partition keys per index (default 10). */
export async function fetchConflictProxyStats(options: { top?: number; url?: string } = {}): Promise<ConflictProxyStats> {
  const query = options.top === undefined ? '' : `?top=${options.top}`;
  const response = await fetch(`${proxyUrl(options.url)}/__proxy/stats${query}`);
  if (!response.ok) throw new Error(`conflict proxy stats: HTTP ${response.status}`);
  return (await response.json()) as ConflictProxyStats;
}

/** `POST /__proxy/reset`: zeroes the counters (for every test file, see above). */
export async function resetConflictProxyStats(options: { url?: string } = {}): Promise<void> {
  const response = await fetch(`${proxyUrl(options.url)}/__proxy/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`conflict proxy reset: HTTP ${response.status}`);
}
