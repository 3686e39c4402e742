import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../src/shared/protocol/errors';
import { identityResponseSchema } from '../src/shared/protocol/identity';
import { signIn } from './support/accounts';
import { expect, test } from './support/fixtures';
import { openMessages, receivedFrom, ringOfTwo, sendMessage, signedInPage } from './support/messages';

// What people type is shown as what they typed: markup in a message is text, on both sides, and names
// cannot hold markup at all. Beneath that, the Content-Security-Policy refuses any script the page did
// not load from its own origin, so even markup that did get in could not run.

const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>';
const NAME_RULE = 'Use only letters a–z, digits, dots, underscores and hyphens.';

/** Every dialog a page opens and every request it makes for the image `x`: a script that ran does one. */
function watchForScript(page: Page): { dialogs: string[]; images: string[] } {
  const seen = { dialogs: [] as string[], images: [] as string[] };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.endsWith('/x')) seen.images.push(request.url());
  });
  return seen;
}

test('a message holding HTML and script shows as the very characters typed, on both sides', async ({
  browser,
  makeSharingPerson,
}) => {
  const { alice, bob, alicePage, bobPage } = await ringOfTwo(browser, makeSharingPerson);
  const aliceSaw = watchForScript(alicePage);
  const bobSaw = watchForScript(bobPage);
  const text = `${HOSTILE} ${randomBytes(4).toString('hex')}`;

  const sent = await sendMessage(alicePage, bob.communityName ?? '', text);
  await expect(sent.getByText('Delivered')).toBeVisible({ timeout: 10_000 });
  await sent.getByRole('button', { name: 'Show' }).click();
  await expect(sent).toContainText(text);
  await expect(sent.locator('img, script, b')).toHaveCount(0);

  await openMessages(bobPage);
  const received = receivedFrom(bobPage, alice.communityName ?? '');
  await received.getByRole('button', { name: 'Show' }).click();
  await expect(received).toContainText(text);
  await expect(received.locator('img, script, b')).toHaveCount(0);

  for (const page of [alicePage, bobPage]) {
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    await expect(page.locator('script', { hasText: 'alert(2)' })).toHaveCount(0);
  }
  expect({ alice: aliceSaw, bob: bobSaw }).toEqual({
    alice: { dialogs: [], images: [] },
    bob: { dialogs: [], images: [] },
  });
});

test('a community name cannot hold HTML: the claim form says why, and the server refuses it too', async ({
  browser,
  makeSharingPerson,
}) => {
  const person = await makeSharingPerson({ prefix: 'hana', named: false });
  const page = await signedInPage(browser, person);
  const claims: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/identity/community-name') claims.push(request.method());
  });
  const name = '<b>hana</b>';
  await page.getByLabel('Community name', { exact: true }).fill(name);
  await page.getByLabel('Confirm community name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Claim community name' }).click();
  await expect(page.getByText(NAME_RULE)).toBeVisible();
  await expect(page.getByTestId('community-name')).toHaveCount(0);
  expect(claims).toEqual([]);

  // A client that skips the form gets a 400 with a reason, so no other browser is ever shown such a name.
  for (const communityName of [name, '<img src=x onerror=alert(1)>', 'hana"><script>']) {
    const response = await page.request.post('/api/identity/community-name', {
      headers: { [CSRF_HEADER]: CSRF_HEADER_VALUE },
      data: { communityName },
    });
    expect(response.status(), communityName).toBe(400);
    expect(await response.json(), communityName).toMatchObject({ error: { code: 'invalid_request' } });
  }
  const { identity } = identityResponseSchema.parse(await (await page.request.get('/api/identity')).json());
  expect(identity?.communityName).toBeNull();
});

test('an account name cannot hold HTML: the form says why before anything is sent', async ({ page }) => {
  await page.goto('/create-account');
  const form = page.getByRole('form', { name: 'Create account' });
  const posted: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') posted.push(request.url());
  });
  await form.getByLabel('Account name', { exact: true }).fill('<script>alert(1)</script>');
  await form.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
  await form.getByLabel('Confirm password', { exact: true }).fill('correct horse battery staple');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(form.getByText(NAME_RULE)).toBeVisible();
  expect(posted).toEqual([]);
});

test.describe('the Content-Security-Policy', () => {
  test('is sent with the page: scripts from this origin only, nothing inline, no eval, no plugins', async ({
    page,
  }) => {
    const response = await page.goto('/');
    const policy = response?.headers()['content-security-policy'] ?? '';
    const directives = new Map(
      policy.split(';').map((directive) => {
        const [name = '', ...values] = directive.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  /** Adds an inline script and an inline event handler to the page; says which ran and what was refused. */
  const injectScripts = (page: Page) =>
    page.evaluate(async () => {
      const refused: string[] = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        refused.push(event.effectiveDirective);
      });
      const script = document.createElement('script');
      script.textContent = 'window.__pwnedByScript = 1;';
      document.body.append(script);
      const holder = document.createElement('div');
      holder.innerHTML = '<img src="/x.png" onerror="window.__pwnedByHandler = 1">';
      document.body.append(holder);
      // The image's error event, and the report of a refused handler, come a little later.
      await new Promise((resolve) => setTimeout(resolve, 500));
      return {
        ran: ['__pwnedByScript', '__pwnedByHandler'].filter((name) => Reflect.get(window, name) === 1),
        refused: [...new Set(refused)].sort(),
      };
    });

  test('blocks a script injected into the app page, and an inline event handler', async ({ page }) => {
    const logged: string[] = [];
    page.on('console', (message) => logged.push(message.text()));
    await page.goto('/');
    await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
    expect(await injectScripts(page)).toEqual({
      ran: [],
      refused: ['script-src-attr', 'script-src-elem'],
    });
    expect(logged.some((line) => line.includes('Content Security Policy'))).toBe(true);
  });

  test('is what stops them: with the policy bypassed, the same injection runs', async ({ browser }) => {
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const page = await context.newPage();
      await page.goto('/');
      await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
      expect(await injectScripts(page)).toEqual({
        ran: ['__pwnedByScript', '__pwnedByHandler'],
        refused: [],
      });
    } finally {
      await context.close();
    }
  });

  test('holds for a signed-in person on every tab', async ({ browser, makeSharingPerson }) => {
    const person = await makeSharingPerson({ prefix: 'ines' });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await signIn(page, person);
      for (const tab of ['Settings', 'People', 'Messages', 'History']) {
        // History's link also counts what is unread.
        await page
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name: new RegExp(`^${tab}`) })
          .click();
        await expect(page.getByRole('heading', { name: tab, level: 1 })).toBeVisible();
        expect((await injectScripts(page)).ran, tab).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });
});
