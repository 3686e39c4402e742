import type { Page } from '@playwright/test';
import { createAccount, newPerson } from './support/accounts';
import { expect, test } from './support/fixtures';
import { activateSharing, claimCommunityName, newCommunityName } from './support/sharing';

const TABS = ['Settings', 'People', 'Messages', 'History'] as const;

async function openTab(page: Page, tab: (typeof TABS)[number]): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: tab }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(tab);
}

test.describe('a new account', () => {
  test('Settings lists what to do next and ticks each step only once it is done', async ({ page }) => {
    await createAccount(page, newPerson('nina'));
    const steps = page.getByRole('list', { name: 'Getting started' }).getByRole('listitem');
    // The ticks are said in words as well as drawn, so they reach screen readers.
    await expect(steps).toHaveText([
      /Activate Sharing \(Not done yet\)$/,
      /Choose your community name \(Not done yet\)$/,
      /Invite a friend from People \(Not done yet\)$/,
    ]);

    await activateSharing(page);
    await expect(steps).toHaveText([
      /Activate Sharing \(Done\)$/,
      /Choose your community name \(Not done yet\)$/,
      /Invite a friend from People \(Not done yet\)$/,
    ]);

    await claimCommunityName(page, newCommunityName('nina'));
    // Inviting does not exist yet, so nothing may claim it is done.
    await expect(steps).toHaveText([
      /Activate Sharing \(Done\)$/,
      /Choose your community name \(Done\)$/,
      /Invite a friend from People \(Not done yet\)$/,
    ]);
    await steps.getByRole('link', { name: 'People' }).click();
    await expect(page).toHaveURL(/\/people$/);
  });

  test('claiming the community name says what comes next, and moves focus there', async ({ page }) => {
    await createAccount(page, newPerson('omar'));
    await activateSharing(page);
    const name = newCommunityName('omar');
    await claimCommunityName(page, name);
    const success = page.getByRole('status').filter({ hasText: 'You are now known as' });
    await expect(success).toHaveText(`You are now known as ${name}. Next: invite a friend from People.`);
    await expect(success).toBeFocused();
  });

  test('People asks only for the steps still missing, then shows the name friends use', async ({ page }) => {
    await createAccount(page, newPerson('pia'));
    const emptyRing = page.getByRole('region', { name: 'Your Ring of Trust is empty' });

    await openTab(page, 'People');
    await expect(emptyRing).toContainText(
      'First activate sharing and choose your community name in Settings.',
    );

    await activateSharing(page);
    await openTab(page, 'People');
    await expect(emptyRing).toContainText('First choose your community name in Settings.');
    await expect(emptyRing).not.toContainText('activate');

    await openTab(page, 'Settings');
    const name = newCommunityName('pia');
    await claimCommunityName(page, name);
    await openTab(page, 'People');
    await expect(emptyRing).toContainText(`Friends add you by your community name: ${name}.`);
    await expect(emptyRing.getByRole('link', { name: 'Settings' })).toHaveCount(0);
    await expect(emptyRing).not.toContainText('First');
  });

  test('the key sizes say which is Passpack-compatible, which is recommended, which is slower', async ({
    page,
  }) => {
    await createAccount(page, newPerson('quinn'));
    const keySize = page.getByRole('combobox', { name: 'Key size' });
    await expect(keySize).toHaveValue('1024');
    await expect(keySize.locator('option')).toHaveText([
      "1024 bits (Passpack-compatible; below today's recommendation)",
      '2048 bits (recommended)',
      '3072 bits (strongest; slower to make)',
    ]);
    expect(
      await keySize
        .locator('option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(['1024', '2048', '3072']);
    await expect(keySize).toHaveAccessibleDescription(
      "1024 bits matches Passpack. Today's guidance is 2048 bits or more.",
    );
  });

  test('the community-name form comes before the key details until the name is chosen', async ({ page }) => {
    await createAccount(page, newPerson('rosa'));
    await activateSharing(page);
    const sections = page.getByRole('heading', { level: 2 });
    await expect(sections).toHaveText([
      'Getting started',
      'Choose your community name',
      'Sharing',
      'Notifications',
      'Account',
    ]);
    const form = await page.getByRole('form', { name: 'Choose your community name' }).boundingBox();
    const fingerprint = await page.getByLabel('Key fingerprint').boundingBox();
    expect(form && fingerprint && form.y < fingerprint.y).toBe(true);
    // No placeholder row for a name that does not exist yet.
    await expect(page.getByTestId('community-name')).toHaveCount(0);
    await expect(page.getByText('Not chosen yet')).toHaveCount(0);

    const name = newCommunityName('rosa');
    await claimCommunityName(page, name);
    await expect(sections).toHaveText(['Getting started', 'Sharing', 'Notifications', 'Account']);
    await expect(page.getByTestId('community-name')).toHaveText(name);
  });

  test('the confirmation of the community name accepts a paste', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await createAccount(page, newPerson('sam'));
    await activateSharing(page);
    const name = newCommunityName('sam');
    const typed = page.getByLabel('Community name', { exact: true });
    await typed.fill(name);
    await typed.press('ControlOrMeta+A');
    await typed.press('ControlOrMeta+C');
    const confirm = page.getByLabel('Confirm community name', { exact: true });
    await confirm.press('ControlOrMeta+V');
    await expect(confirm).toHaveValue(name);
    await page.getByRole('button', { name: 'Claim community name' }).click();
    await expect(page.getByTestId('community-name')).toHaveText(name);
  });

  test('every screen has its own page title and exactly one main heading', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page).toHaveTitle('Sign in · Ringpost');
    await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
    await page
      .getByRole('navigation', { name: 'Account' })
      .getByRole('link', { name: 'Create account' })
      .click();
    await expect(page).toHaveTitle('Create account · Ringpost');
    await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);

    await createAccount(page, newPerson('tara'));
    for (const tab of TABS) {
      await openTab(page, tab);
      await expect(page).toHaveTitle(`${tab} · Ringpost`);
      await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
    }
  });
});

test.describe('forms with mistakes', () => {
  test('creating an account moves focus to the first field that needs fixing', async ({ page }) => {
    await page.goto('/create-account');
    const form = page.getByRole('form', { name: 'Create account' });
    const accountName = form.getByLabel('Account name', { exact: true });
    const password = form.getByLabel('Password', { exact: true });
    await accountName.fill('valid-name');
    await password.fill('short');
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect(password).toBeFocused();
    await expect(password).toHaveAccessibleDescription(/Use at least 10 characters\./);

    await accountName.fill('');
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect(accountName).toBeFocused();
  });

  test('claiming a community name moves focus to the first field that needs fixing', async ({ page }) => {
    await createAccount(page, newPerson('uma'));
    await activateSharing(page);
    await page.getByLabel('Community name', { exact: true }).fill(newCommunityName('uma'));
    await page.getByLabel('Confirm community name', { exact: true }).fill('something.else');
    await page.getByRole('button', { name: 'Claim community name' }).click();
    const confirm = page.getByLabel('Confirm community name', { exact: true });
    await expect(confirm).toBeFocused();
    await expect(confirm).toHaveAttribute('aria-invalid', 'true');
    await expect(confirm).toHaveAccessibleDescription('The two names are not the same.');
  });

  test('signing in with empty fields says so in the form, tied to each field', async ({ page }) => {
    let posted = false;
    page.on('request', (request) => {
      if (request.method() === 'POST') posted = true;
    });
    await page.goto('/sign-in');
    const form = page.getByRole('form', { name: 'Sign in' });
    const accountName = form.getByLabel('Account name', { exact: true });
    const password = form.getByLabel('Password', { exact: true });
    await form.getByRole('button', { name: 'Sign in' }).click();
    // Had the browser's own validation stepped in, the form would never have been submitted to say this.
    await expect(accountName).toHaveAccessibleDescription('Enter your account name.');
    await expect(accountName).toHaveAttribute('aria-invalid', 'true');
    await expect(accountName).toBeFocused();
    await expect(password).toHaveAccessibleDescription('Enter your password.');
    await expect(password).toHaveAttribute('aria-invalid', 'true');

    await accountName.fill('someone');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await expect(password).toBeFocused();
    await expect(form.getByText('Enter your account name.')).toHaveCount(0);
    expect(posted).toBe(false);
  });
});

test.describe('on a 360 px wide phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: where })
      .toBeLessThanOrEqual(360);
  }

  test('no screen scrolls sideways, even with the longest names', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
    await expectNoSidewaysScroll(page, 'sign-in');
    await page.goto('/create-account');
    await expect(page.getByRole('form', { name: 'Create account' })).toBeVisible();
    await expectNoSidewaysScroll(page, 'create account');

    // 32 characters, the most an account name may have, shown in the header.
    const person = newPerson('a-very-long-account-nam');
    expect(person.accountName).toHaveLength(32);
    await createAccount(page, person);
    for (const tab of TABS) {
      await openTab(page, tab);
      await expectNoSidewaysScroll(page, `${tab} before activation`);
    }

    await activateSharing(page);
    await expectNoSidewaysScroll(page, 'Settings with the name form');

    const name = newCommunityName('longest.community.name.ok');
    expect(name).toHaveLength(32);
    await claimCommunityName(page, name);
    for (const tab of TABS) {
      await openTab(page, tab);
      await expectNoSidewaysScroll(page, `${tab} once named`);
    }
  });
});
