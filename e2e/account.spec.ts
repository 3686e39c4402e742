import { pbkdf2Sync } from 'node:crypto';
import type { Request } from '@playwright/test';
import { createAccount, expectSignedIn, fillSignIn, newPerson, signIn, signOut } from './support/accounts';
import { expect, test } from './support/fixtures';

test.describe('an account', () => {
  test('can be created, signed out of, signed into again, and survives a reload', async ({ page }) => {
    const person = newPerson('alice');
    await createAccount(page, person);

    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const tab of ['Settings', 'People', 'Messages', 'History']) {
      await nav.getByRole('link', { name: tab }).click();
      await expect(page).toHaveURL(new RegExp(`/${tab.toLowerCase()}$`));
      await expect(page.getByRole('heading').first()).toBeVisible();
    }

    await signOut(page);
    await signIn(page, person);

    await page.reload();
    await expectSignedIn(page, person);
  });

  test('refuses a wrong password with a clear sentence, and an unknown name with the same one', async ({
    page,
  }) => {
    const person = newPerson('bob');
    await createAccount(page, person);
    await signOut(page);

    await fillSignIn(page, { ...person, password: 'not the right password' });
    const refusal = page.getByRole('alert');
    await expect(refusal).toHaveText('That account name and password do not match.');
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

    await fillSignIn(page, { accountName: 'nobody-by-this-name', password: person.password });
    await expect(page.getByRole('alert')).toHaveText('That account name and password do not match.');
  });

  test('explains what is wrong with a new account before sending anything', async ({ page }) => {
    await page.goto('/create-account');
    const form = page.getByRole('form', { name: 'Create account' });
    await form.getByLabel('Account name', { exact: true }).fill('a b');
    await form.getByLabel('Password', { exact: true }).fill('short');
    await form.getByLabel('Confirm password', { exact: true }).fill('different');
    let posted = false;
    page.on('request', (request) => {
      if (request.method() === 'POST') posted = true;
    });
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect(
      form.getByText('Use only letters a–z, digits, dots, underscores and hyphens.'),
    ).toBeVisible();
    await expect(form.getByText('Use at least 10 characters.')).toBeVisible();
    await expect(form.getByText('The two passwords are not the same.')).toBeVisible();
    expect(posted).toBe(false);
  });

  test('a taken account name is refused with a clear sentence', async ({ page, browser }) => {
    const person = newPerson('carol');
    await createAccount(page, person);
    const other = await browser.newPage();
    await other.goto('/create-account');
    const form = other.getByRole('form', { name: 'Create account' });
    await form.getByLabel('Account name', { exact: true }).fill(person.accountName.toUpperCase());
    await form.getByLabel('Password', { exact: true }).fill('another long password');
    await form.getByLabel('Confirm password', { exact: true }).fill('another long password');
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect(other.getByRole('alert')).toHaveText(
      'That account name is not available. Please choose another.',
    );
    await other.close();
  });

  test('never sends the password or the master key, in any request of the whole flow', async ({
    page,
    context,
  }) => {
    const person = newPerson('dave');
    const requests: Request[] = [];
    context.on('request', (request) => requests.push(request));

    await createAccount(page, person);
    await signOut(page);
    await signIn(page, person);
    await page.reload();
    await expectSignedIn(page, person);

    // The master key as the browser derives it (DESIGN §4): PBKDF2-SHA-256, 600,000 rounds, salt from the name.
    const master = pbkdf2Sync(
      person.password.normalize('NFKC'),
      `ringpost/account/v1/${person.accountName}`,
      600_000,
      32,
      'sha256',
    );
    const secrets = [
      person.password,
      encodeURIComponent(person.password),
      master.toString('hex'),
      master.toString('base64'),
      master.toString('base64url'),
    ];
    const posted = requests.filter((request) => request.method() !== 'GET');
    expect(posted.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      const text = [request.url(), request.postData() ?? '', JSON.stringify(await request.allHeaders())].join(
        '\n',
      );
      for (const secret of secrets)
        expect(text, `${request.method()} ${request.url()}`).not.toContain(secret);
    }
    // What is sent instead: the name, a 32-byte auth key and the iteration count it was derived with.
    const signUp = posted.find((request) => request.url().endsWith('/api/accounts'));
    const sent = JSON.parse(signUp?.postData() ?? '{}') as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(['authKey', 'kdfIterations', 'name']);
    expect(sent.kdfIterations).toBe(600_000);
  });
});
