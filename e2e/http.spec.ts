import { createHash } from 'node:crypto';
import type { ConsoleMessage } from '@playwright/test';
import { expect, test } from './support/fixtures';

// What the production server does on the wire, as a browser sees it on a first visit.

test.describe('a first visit', () => {
  test('loads without a single console error, even though nobody is signed in', async ({ page }) => {
    const problems: string[] = [];
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const sessionChecks: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/session') sessionChecks.push(response.status());
    });
    await page.goto('/');
    await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
    expect(sessionChecks).toEqual([200]);
    expect(problems).toEqual([]);
  });

  test('gets the app’s scripts and styles precompressed, cacheable for good, with strict headers', async ({
    page,
  }) => {
    const assets: { url: string; headers: Record<string, string> }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/assets/')) {
        assets.push({ url: response.url(), headers: response.headers() });
      }
    });
    const document = await page.goto('/');
    expect(document?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
    const scripts = assets.filter((asset) => asset.url.endsWith('.js'));
    const styles = assets.filter((asset) => asset.url.endsWith('.css'));
    expect(scripts.length).toBeGreaterThan(0);
    expect(styles.length).toBeGreaterThan(0);
    for (const asset of [...scripts, ...styles]) {
      expect(asset.headers['content-encoding'], asset.url).toBe('br');
      expect(asset.headers['cache-control'], asset.url).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.vary, asset.url).toContain('Accept-Encoding');
    }
  });

  test('names every script and stylesheet of the page with the integrity of the bytes served', async ({
    page,
    request,
  }) => {
    // The page as served, read by the browser's own parser, before any script adds tags of its own.
    const html = await (await request.get('/')).text();
    await page.goto('/');
    const loaded = await page.evaluate((source) => {
      const parsed = new DOMParser().parseFromString(source, 'text/html');
      const tags = parsed.querySelectorAll(
        'script[src], link[rel~="stylesheet"], link[rel~="modulepreload"]',
      );
      return [...tags].map((tag) => ({
        url: tag.getAttribute('src') ?? tag.getAttribute('href') ?? '',
        integrity: tag.getAttribute('integrity'),
      }));
    }, html);
    expect(loaded.length).toBeGreaterThan(1);
    for (const { url, integrity } of loaded) {
      const served = await request.get(url, { headers: { 'Accept-Encoding': 'identity' } });
      const digest = createHash('sha384')
        .update(await served.body())
        .digest('base64');
      expect(integrity, url).toBe(`sha384-${digest}`);
    }
    await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  });

  test('a hashed asset that does not exist is a 404, not the page', async ({ request }) => {
    const response = await request.get('/assets/index-doesnotexist.js');
    expect(response.status()).toBe(404);
    expect(await response.text()).not.toContain('<div id="root">');
  });
});
