import { randomBytes } from 'node:crypto';
import { expect, type Page } from '@playwright/test';
import { recordSecret } from './leak-record';

export interface Person {
  accountName: string;
  password: string;
}

export function newPerson(prefix = 'user'): Person {
  const password = `correct horse ${randomBytes(6).toString('base64url')} staple`;
  // Also those never typed into a browser (fixtures derive keys from them in Node): the server must not
  // hold any of them either way.
  recordSecret('password', password, 'made by newPerson');
  return { accountName: `${prefix}-${randomBytes(4).toString('hex')}`, password };
}

export async function createAccount(page: Page, person: Person): Promise<void> {
  await page.goto('/create-account');
  const form = page.getByRole('form', { name: 'Create account' });
  await form.getByLabel('Account name', { exact: true }).fill(person.accountName);
  await form.getByLabel('Password', { exact: true }).fill(person.password);
  await form.getByLabel('Confirm password', { exact: true }).fill(person.password);
  await form.getByRole('button', { name: 'Create account' }).click();
  await expectSignedIn(page, person);
}

export async function signIn(page: Page, person: Person): Promise<void> {
  await fillSignIn(page, person);
  await expectSignedIn(page, person);
}

export async function fillSignIn(page: Page, person: Person): Promise<void> {
  await page.goto('/sign-in');
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Account name', { exact: true }).fill(person.accountName);
  await form.getByLabel('Password', { exact: true }).fill(person.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
}

export async function expectSignedIn(page: Page, person: Person): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Settings' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText(person.accountName.toLowerCase()).first()).toBeVisible();
}
