import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect, test, type SharingPerson } from './support/fixtures';
import {
  openMessages,
  receivedFrom,
  sendMessage,
  sentTo,
  signedInPage as sharedSignedInPage,
} from './support/messages';
import { joinRings } from './support/ring';

// Reading what arrived: shown messages that hide again when the person looks away, a copy the page offers
// to clear, and a notification that names the sender and never the text.

/** The notifications the page raised, recorded as the page made them (the real Notification still runs). */
async function recordNotifications(context: BrowserContext): Promise<void> {
  await context.grantPermissions(['notifications']);
  await context.addInitScript(() => {
    const Real = window.Notification;
    const raised: { title: string; body: string }[] = [];
    const instances: Notification[] = [];
    Object.assign(window, { raisedNotifications: raised, notificationInstances: instances });
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        raised.push({ title, body: options?.body ?? '' });
        instances.push(this);
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true });
  });
}

function signedInPage(browser: Browser, person: SharingPerson, notifications = false): Promise<Page> {
  return sharedSignedInPage(browser, person, async (context) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    if (notifications) await recordNotifications(context);
  });
}

test('bob reads three messages: masked, Show one, Show all, hidden again when he looks away', async ({
  browser,
  makeSharingPerson,
}) => {
  const alice = await makeSharingPerson({ prefix: 'alice', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const alicePage = await signedInPage(browser, alice);
  const bobPage = await signedInPage(browser, bob, true);
  await joinRings(
    { page: alicePage, communityName: alice.communityName ?? '' },
    { page: bobPage, communityName: bob.communityName ?? '' },
  );
  // Settings asks for the browser's permission only on the button (headless Chromium answers "blocked"
  // until a context grants it); bob's browser has already given it.
  for (const page of [alicePage, bobPage]) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  }
  await expect(bobPage.getByRole('status').filter({ hasText: 'Notifications are on.' })).toBeVisible();
  await expect(alicePage.getByRole('button', { name: 'Enable notifications' })).toBeVisible();
  await expect(bobPage.getByRole('button', { name: 'Enable notifications' })).toHaveCount(0);

  await openMessages(alicePage);
  const texts = ['first: the door code is 4711', 'second: bring the blue folder', 'third: 🌍 see you'];
  for (const text of texts) {
    await expect(
      (await sendMessage(alicePage, bob.communityName ?? '', text)).getByText('Delivered'),
    ).toBeVisible({
      timeout: 10_000,
    });
  }

  // In the page, quiet news that names alice; the notification too, and neither says what she wrote.
  const news = bobPage.getByRole('status').filter({ hasText: `New message from ${alice.communityName}.` });
  await expect(news.first()).toBeVisible();
  for (const text of texts) await expect(bobPage.getByText(text)).toHaveCount(0);

  const raised = await bobPage.evaluate(
    () =>
      (window as unknown as { raisedNotifications: { title: string; body: string }[] }).raisedNotifications,
  );
  expect(raised).toHaveLength(3);
  for (const notification of raised) {
    expect(notification.title).toBe(`New message from ${alice.communityName}`);
    for (const text of texts) expect(JSON.stringify(notification)).not.toContain(text.slice(0, 8));
  }

  // With several unread, a click on a notification opens History, where they are in bold (the seed).
  await bobPage.evaluate(() =>
    (window as unknown as { notificationInstances: Notification[] }).notificationInstances[2]?.dispatchEvent(
      new Event('click'),
    ),
  );
  await expect(bobPage).toHaveURL(/\/history$/);

  // History: three unread, counted on the tab and in the title (a number, never a name); showing one reads it.
  const historyTab = bobPage
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: /^History/ });
  await expect(historyTab).toHaveAccessibleName('History 3 unread');
  await expect(bobPage).toHaveTitle(/^\(3\) /);
  await historyTab.click();
  await expect(bobPage.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
  const inHistory = receivedFrom(bobPage, alice.communityName ?? '');
  await expect(inHistory).toHaveCount(3);
  await expect(inHistory.filter({ hasText: 'Unread' })).toHaveCount(3);
  await inHistory.first().getByRole('button', { name: 'Show' }).click();
  await expect(inHistory.first()).toContainText(texts[2] ?? '');
  await expect(historyTab).toHaveAccessibleName('History 2 unread');
  await expect(bobPage).toHaveTitle(/^\(2\) History · Ringpost$/);
  expect(await bobPage.title()).not.toContain(alice.communityName ?? '');
  await inHistory.first().getByRole('button', { name: 'Hide' }).click();

  await openMessages(bobPage);
  const received = receivedFrom(bobPage, alice.communityName ?? '');
  await expect(received).toHaveCount(3);
  for (const text of texts) await expect(bobPage.getByText(text)).toHaveCount(0);
  await received.first().getByRole('button', { name: 'Show' }).click();
  await expect(bobPage.getByText(texts[2] ?? '')).toBeVisible();
  await expect(bobPage.getByText(texts[0] ?? '')).toHaveCount(0);
  await bobPage.getByRole('button', { name: 'Show all' }).click();
  for (const text of texts) await expect(bobPage.getByText(text)).toBeVisible();

  // Copy, then the offer to clear the clipboard 30 s later (the page's clock, moved on).
  await bobPage.clock.install();
  await received.first().getByRole('button', { name: 'Copy' }).click();
  await expect(bobPage.getByRole('status').filter({ hasText: 'Copied.' })).toBeVisible();
  expect(await bobPage.evaluate(() => navigator.clipboard.readText())).toBe(texts[2]);
  await bobPage.clock.runFor(30_000);
  const offer = bobPage.getByRole('status').filter({ hasText: 'Clear the clipboard now?' });
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Clear clipboard' }).click();
  await expect(bobPage.getByRole('status').filter({ hasText: 'Clipboard cleared.' })).toBeVisible();
  expect(await bobPage.evaluate(() => navigator.clipboard.readText())).toBe('');

  // Looking away (the window loses focus) hides them all again.
  await bobPage.evaluate(() => window.dispatchEvent(new Event('blur')));
  for (const text of texts) await expect(bobPage.getByText(text)).toHaveCount(0);
  await expect(bobPage.getByRole('button', { name: 'Show all' })).toBeVisible();

  // A click on the notification opens the conversation with alice: hers on the left, masked until shown.
  await bobPage.evaluate(() =>
    (window as unknown as { notificationInstances: Notification[] }).notificationInstances[0]?.dispatchEvent(
      new Event('click'),
    ),
  );
  await expect(bobPage).toHaveURL(new RegExp(`/conversations/${alice.communityName}$`));
  await expect(
    bobPage.getByRole('heading', { name: `Conversation with ${alice.communityName}`, level: 1 }),
  ).toBeFocused();
  const conversation = receivedFrom(bobPage, alice.communityName ?? '');
  await expect(conversation).toHaveCount(3);
  for (const text of texts) await expect(bobPage.getByText(text)).toHaveCount(0);
  await conversation.last().getByRole('button', { name: 'Show' }).click();
  await expect(conversation.last()).toContainText(texts[2] ?? '');
  await expect(conversation.first()).not.toContainText(texts[0] ?? '');
  // Left alone for RINGPOST_REVEAL_IDLE (60 s; the page's clock, moved on), it hides again.
  await bobPage.clock.runFor(61_000);
  await expect(conversation.last()).not.toContainText(texts[2] ?? '');
  await expect(conversation.last().getByRole('button', { name: 'Show' })).toBeVisible();

  // The reply box sends as the compose form does, to alice only, by keyboard: Enter sends.
  const reply = bobPage.getByRole('form', { name: 'Reply' });
  await expect(reply.getByLabel('Recipient')).toHaveValue(alice.communityName ?? '');
  await reply.getByLabel('Message', { exact: true }).fill('got all three, thanks');
  await reply.getByLabel('Message', { exact: true }).press('Enter');
  await expect(sentTo(bobPage, alice.communityName ?? '').getByText('Delivered')).toBeVisible({
    timeout: 10_000,
  });

  // alice reaches the same conversation from People.
  await alicePage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
  await alicePage.getByRole('link', { name: `Conversation with ${bob.communityName}` }).click();
  await expect(sentTo(alicePage, bob.communityName ?? '')).toHaveCount(3);
  await expect(receivedFrom(alicePage, bob.communityName ?? '')).toHaveCount(1);
});
