/**
 * The API reference page in a real browser: headless Chromium (Debian's `chromium` package;
 * .ci/run installs it) driven by playwright-core opens `<API>/docs` and waits until the page
 * lists every route of the route table; opening "Place an order" shows `POST /orders`, and
 * the explorer's console calls `GET /health` on this API. Every request the page makes goes
 * to the API's own host (no CDN, no web fonts), and nothing breaks the page's CSP.
 *
 * Not skipped when Chromium is missing: the test fails and says how to install it
 * (`CHROMIUM_PATH` points at another binary).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { routeList, routes } from '../../infra/routes.js';
import { target } from './client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Fails (never skips) without Chromium, saying how to get it. */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the API reference browser test needs it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * The page's text, shadow roots included (the explorer is a web component), whitespace
 * collapsed. A string, evaluated in the page: the project's TypeScript has no DOM types.
 */
const DEEP_TEXT = `(() => {
  const walk = (node) => {
    let text = node.shadowRoot ? walk(node.shadowRoot) : '';
    for (const child of node.childNodes) text += child.nodeType === Node.TEXT_NODE ? ' ' + child.textContent + ' ' : walk(child);
    return text;
  };
  return walk(document.body).replace(/\\s+/g, ' ');
})()`;
const deepText = (page: Page): Promise<string> => page.evaluate<string>(DEEP_TEXT);

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Polls the page's text until `check` holds; on timeout, fails with what is still missing. */
async function waitForText(page: Page, missingIn: (text: string) => string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await deepText(page);
    const missing = missingIn(text);
    if (missing.length === 0) return text;
    if (Date.now() > deadline) throw new Error(`the page still lacks after ${timeoutMs} ms: ${JSON.stringify(missing.slice(0, 10))}`);
    await page.waitForTimeout(250);
  }
}

describe('GET /docs in headless Chromium', () => {
  it('lists every endpoint, shows an operation, runs a request, and loads nothing from another host', async () => {
    const apiHost = new URL(target.apiUrl).host;
    const browser = await launchChromium();
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content.Security.Policy/i.test(message.text())) problems.push(`console ${message.type()}: ${message.text()}`);
    });
    try {
      const response = await page.goto(`${target.apiUrl}/docs`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

      // The navigation lists every operation of the route table by its summary.
      const summaries = routeList.map((route) => normalise(route.summary));
      await waitForText(page, (text) => summaries.filter((summary) => !text.includes(summary)));

      // Opening "Place an order …" shows the operation's method and path.
      await page.getByText(normalise(routes.placeOrder.summary), { exact: true }).first().click();
      await waitForText(page, (text) => (/POST\s*\/orders\b/i.test(text) ? [] : ['POST /orders']));

      // The explorer's console sends a real request to this API (CSP connect-src 'self').
      await page.getByText(normalise(routes.health.summary), { exact: true }).first().click();
      await waitForText(page, (text) => (/GET\s*\/health\b/i.test(text) ? [] : ['GET /health']));
      const healthCall = page.waitForResponse((r) => new URL(r.url()).pathname === '/health', { timeout: 20_000 });
      await page.getByRole('button', { name: /^(try|execute|send)/i }).first().click();
      expect((await healthCall).status()).toBe(200);

      if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT });
      const foreign = requests.filter((url) => !url.startsWith('data:') && new URL(url).host !== apiHost);
      expect(foreign, 'requests to other hosts').toEqual([]);
      expect(requests.map((url) => new URL(url).pathname)).toEqual(expect.arrayContaining(['/docs', `/openapi.json`, expect.stringMatching(/^\/docs\/openapi-explorer-[\d.]+\.min\.js$/)]));
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
