import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { openMessages, ringOfTwo, sendMessage } from './support/messages';

// Every screen a person meets, scanned by axe-core for WCAG 2.1 A and AA problems: none allowed.

async function expectNoViolations(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const found = results.violations.map(
    (violation) =>
      `${violation.id} (${violation.nodes.length}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
  expect(found, `${screen}: ${found.join('; ')}`).toEqual([]);
}

test('sign-in and create-account pass an accessibility scan', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await expectNoViolations(page, 'sign in');
  await page.goto('/create-account');
  await expect(page.getByRole('button', { name: 'Create account' })).toBeVisible();
  await expectNoViolations(page, 'create account');
});

test('Settings, People, Messages, a conversation and History pass an accessibility scan', async ({
  browser,
  makeSharingPerson,
}) => {
  const { alice, bob, alicePage, bobPage } = await ringOfTwo(browser, makeSharingPerson);
  await sendMessage(alicePage, bob.communityName ?? '', 'scan me');

  const nav = bobPage.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(bobPage.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expectNoViolations(bobPage, 'Settings');
  await nav.getByRole('link', { name: 'People' }).click();
  await expect(bobPage.getByRole('heading', { name: 'People', level: 1 })).toBeVisible();
  await expectNoViolations(bobPage, 'People');
  await openMessages(bobPage);
  await bobPage.getByRole('button', { name: 'Show all' }).click();
  await expect(bobPage.getByText('scan me')).toBeVisible();
  await expectNoViolations(bobPage, 'Messages');
  await bobPage
    .getByRole('link', { name: alice.communityName ?? '' })
    .first()
    .click();
  await expect(
    bobPage.getByRole('heading', { name: `Conversation with ${alice.communityName}` }),
  ).toBeVisible();
  await expectNoViolations(bobPage, 'a conversation');
  await nav.getByRole('link', { name: /^History/ }).click();
  await expect(bobPage.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
  await expectNoViolations(bobPage, 'History');
});
