/**
 * Issue 12.4: the password reset link of the email works locally. The link points at the API
 * under test (APP_BASE_URL follows the local API's port), the local stack serves the reset
 * page there, and in headless Chromium (Debian's package, playwright-core) the page's form
 * sets the new password through `POST /auth/password/reset`: the old password stops working,
 * the new one logs in. Needs the local stack's mail store (as every email check here).
 */
import { describe, expect, it } from 'vitest';
import { waitForEmails } from '../support/mail-store.js';
import { launchChromium } from '../support/chromium.js';
import { api, registerUser, target } from './client.js';

describe('the reset-password link, in a browser', () => {
  it('opens the local reset page from the email, sets the new password, and the new password logs in', async () => {
    expect(target.sesStoreUrl, 'this check needs the local stack (its mail store and reset page)').toBeTruthy();
    const { email } = await registerUser('reset-page', 'old password 1');
    expect((await api('POST', '/auth/password/forgot', { body: { email } })).status).toBe(202);
    const emails = (await waitForEmails(target.sesStoreUrl!, email, 2)).filter((e) => e.subject === 'Reset your password');
    expect(emails).toHaveLength(1);
    const link = /(http\S+\/reset-password\?token=\S+)/.exec(emails[0]!.body.text!)![1]!;
    // APP_BASE_URL follows the API's port (was always http://localhost:3000).
    expect(new URL(link).origin).toBe(new URL(target.apiUrl).origin);

    const browser = await launchChromium();
    const problems: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      const response = await page.goto(link);
      expect(response?.status()).toBe(200);
      expect(await page.textContent('h1')).toBe('Choose a new password');
      // Two different passwords: refused on the page, nothing sent.
      await page.fill('#password', 'new password 2');
      await page.fill('#confirm', 'something else');
      await page.click('button[type=submit]');
      await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('result').textContent.includes('differ'));
      await page.fill('#confirm', 'new password 2');
      await page.click('button[type=submit]');
      await page.waitForFunction(() => /changed|not changed/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('result').textContent));
      expect(await page.textContent('#result')).toBe('Your password has been changed. You can log in with it now.');
      // The same link again: the token was single-use.
      await page.goto(link);
      await page.fill('#password', 'third password 3');
      await page.fill('#confirm', 'third password 3');
      await page.click('button[type=submit]');
      await page.waitForFunction(() => /not changed/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('result').textContent));
    } finally {
      await browser.close();
    }
    expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
    expect((await api('POST', '/auth/login', { body: { email, password: 'old password 1' } })).status).toBe(401);
    expect((await api('POST', '/auth/login', { body: { email, password: 'new password 2' } })).status).toBe(200);
  });
});
