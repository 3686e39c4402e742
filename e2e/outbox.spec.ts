import type { Browser, BrowserContext, Page } from '@playwright/test';
import { request as playwrightRequest } from '@playwright/test';
import { signIn } from './support/accounts';
import { createSharingPerson, expect, test, type SharingPerson } from './support/fixtures';
import { openMessages, receivedFrom, sendMessage } from './support/messages';
import { ownServer, type OwnServer } from './support/own-server';
import { joinRings } from './support/ring';

// The outbox as PrivateGSM describes it, against a server of the story's own that is stopped and started
// under the browsers: a message typed while the server is down stays "Sending", survives a reload, and is
// delivered exactly once when the server is back. Attempts time out after 2 s here instead of 12 s.

let server: OwnServer;

test.beforeEach(async () => {
  server = await ownServer({ RINGPOST_SEND_TIMEOUT: '2s' });
});

test.afterEach(async () => {
  await server.dispose();
});

async function person(prefix: string, termsAccepted = false): Promise<SharingPerson> {
  const request = await playwrightRequest.newContext({ baseURL: server.baseURL });
  try {
    return await createSharingPerson(request, { prefix, termsAccepted });
  } finally {
    await request.dispose();
  }
}

async function contextFor(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ baseURL: server.baseURL });
}

/** alice and bob in each other's Ring on the story's server, both signed in, both on Messages. */
async function ringOfTwo(browser: Browser) {
  const alice = await person('alice', true);
  const bob = await person('bob');
  const aliceContext = await contextFor(browser);
  const alicePage = await aliceContext.newPage();
  await signIn(alicePage, alice);
  const bobPage = await (await contextFor(browser)).newPage();
  await signIn(bobPage, bob);
  await joinRings(
    { page: alicePage, communityName: alice.communityName ?? '' },
    { page: bobPage, communityName: bob.communityName ?? '' },
  );
  await openMessages(alicePage);
  await openMessages(bobPage);
  return { alice, bob, aliceContext, alicePage, bobPage };
}

function countSends(page: Page): () => number {
  let sends = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/messages') sends += 1;
  });
  return () => sends;
}

test('a message sent while the server is down stays Sending, and is delivered once when it is back', async ({
  browser,
}) => {
  const { alice, bob, alicePage, bobPage } = await ringOfTwo(browser);
  await server.stop();
  const sent = await sendMessage(alicePage, bob.communityName ?? '', 'sent into the void');
  await expect(sent.getByText('Sending')).toBeVisible();
  const attempts = countSends(alicePage);
  await expect.poll(attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

  await server.start();
  await expect(sent.getByText('Delivered')).toBeVisible({ timeout: 20_000 });
  await expect(receivedFrom(bobPage, alice.communityName ?? '')).toHaveCount(1);
});

test('a tab closed while Sending loses nothing: the next one sends it, once', async ({ browser }) => {
  const { alice, bob, aliceContext, alicePage, bobPage } = await ringOfTwo(browser);
  await server.stop();
  await sendMessage(alicePage, bob.communityName ?? '', 'kept across a restart');
  // The server also serves the page, so the tab is closed rather than reloaded while it is down.
  await alicePage.close();
  await server.start();
  const reopened = await aliceContext.newPage();
  await reopened.goto('/messages');
  const sent = reopened.getByRole('listitem', { name: new RegExp(`^To ${bob.communityName}, `) });
  await expect(sent).toHaveCount(1);
  await expect(sent.getByText('Delivered')).toBeVisible({ timeout: 20_000 });
  await bobPage.reload();
  await expect(receivedFrom(bobPage, alice.communityName ?? '')).toHaveCount(1);
});

test('two tabs of alice send a message once', async ({ browser }) => {
  const { alice, bob, aliceContext, alicePage, bobPage } = await ringOfTwo(browser);
  const secondTab = await aliceContext.newPage();
  await secondTab.goto('/messages');
  await expect(secondTab.getByRole('heading', { name: 'Messages', level: 1 })).toBeVisible();
  const sendsFromFirst = countSends(alicePage);
  const sendsFromSecond = countSends(secondTab);

  const sent = await sendMessage(secondTab, bob.communityName ?? '', 'one of two tabs');
  await expect(sent.getByText('Delivered')).toBeVisible({ timeout: 10_000 });
  await expect(
    alicePage
      .getByRole('listitem', { name: new RegExp(`^To ${bob.communityName}, `) })
      .getByText('Delivered'),
  ).toBeVisible();
  expect(sendsFromFirst() + sendsFromSecond()).toBe(1);
  await expect(receivedFrom(bobPage, alice.communityName ?? '')).toHaveCount(1);
});

test('a message the recipient never collects turns Error when the server hold ends', async ({ browser }) => {
  await server.dispose();
  server = await ownServer({ RINGPOST_HOLD: '3s', RINGPOST_SWEEP_INTERVAL: '1s' });
  const { bob, alicePage, bobPage } = await ringOfTwo(browser);
  await bobPage.close();
  const sent = await sendMessage(alicePage, bob.communityName ?? '', 'nobody came');
  await expect(sent.getByText('Enqueued')).toBeVisible({ timeout: 10_000 });
  await expect(sent.getByText('Error')).toBeVisible({ timeout: 15_000 });
  await expect(sent).toContainText('not delivered within 3 s');
});

test('a message the outbox cannot send before it expires turns Error, with a Send error notice', async ({
  browser,
}) => {
  await server.dispose();
  server = await ownServer({ RINGPOST_OUTBOX_EXPIRY: '6s', RINGPOST_SEND_TIMEOUT: '1s' });
  const { bob, alicePage } = await ringOfTwo(browser);
  await server.stop();
  const sent = await sendMessage(alicePage, bob.communityName ?? '', 'never left');
  await expect(sent.getByText('Sending')).toBeVisible();
  await expect(sent.getByText('Error')).toBeVisible({ timeout: 20_000 });
  await expect(alicePage.getByRole('alert').filter({ hasText: 'Send error' })).toBeVisible();
});
