import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { receivedFrom, ringOfTwo, sendMessage, sentTo } from './support/messages';

// Reading by keyboard alone: every step below is Tab, Shift+Tab, Enter or typing, never a click.

/** Presses Tab (or Shift+Tab) until `target` has focus; fails if it never gets there. */
async function tabTo(page: Page, target: Locator, backwards = false): Promise<void> {
  for (let step = 0; step < 60; step += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error('Tab never reached the element.');
}

test('bob reads, stars and answers a message by keyboard only', async ({ browser, makeSharingPerson }) => {
  const { alice, bob, alicePage, bobPage } = await ringOfTwo(browser, makeSharingPerson);
  await expect(
    (await sendMessage(alicePage, bob.communityName ?? '', 'typed without a mouse')).getByText('Delivered'),
  ).toBeVisible({ timeout: 10_000 });

  // From the view's heading back up to the tabs, then into History.
  const historyTab = bobPage
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: /^History/ });
  await tabTo(bobPage, historyTab, true);
  await bobPage.keyboard.press('Enter');
  await expect(bobPage.getByRole('heading', { name: 'History', level: 1 })).toBeFocused();

  const row = receivedFrom(bobPage, alice.communityName ?? '');
  await tabTo(bobPage, row.getByRole('button', { name: 'Show' }));
  await bobPage.keyboard.press('Enter');
  await expect(row).toContainText('typed without a mouse');
  await tabTo(bobPage, row.getByRole('button', { name: 'Star', exact: true }));
  await bobPage.keyboard.press('Enter');
  await expect(row.getByRole('button', { name: 'Unstar' }).first()).toBeVisible();
  await expect(historyTab).toHaveAccessibleName('History');

  // The sender's name opens the conversation; its reply box sends with Enter.
  await tabTo(bobPage, row.getByRole('link', { name: alice.communityName ?? '' }).first(), true);
  await bobPage.keyboard.press('Enter');
  await expect(
    bobPage.getByRole('heading', { name: `Conversation with ${alice.communityName}`, level: 1 }),
  ).toBeFocused();
  const reply = bobPage.getByRole('form', { name: 'Reply' }).getByLabel('Message', { exact: true });
  await tabTo(bobPage, reply);
  await bobPage.keyboard.type('answered by keyboard');
  await bobPage.keyboard.press('Enter');
  await expect(sentTo(bobPage, alice.communityName ?? '').getByText('Delivered')).toBeVisible({
    timeout: 10_000,
  });
});
