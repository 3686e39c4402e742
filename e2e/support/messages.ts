import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { signIn } from './accounts';
import type { SharingPerson, SharingPersonOptions } from './fixtures';
import { joinRings } from './ring';

export async function openMessages(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
  await expect(page.getByRole('heading', { name: 'Messages', level: 1 })).toBeVisible();
}

/** Writes and sends from the compose form; returns the sent message's row. */
export async function sendMessage(page: Page, to: string, text: string): Promise<Locator> {
  await page.getByLabel('Recipient').selectOption(to);
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  // Sealing in the worker and queueing can take a few seconds on a loaded machine.
  await expect(page.getByLabel('Message', { exact: true })).toHaveValue('', { timeout: 15_000 });
  return sentTo(page, to).first();
}

export const sentTo = (page: Page, to: string): Locator =>
  page.getByRole('listitem', { name: new RegExp(`^To ${to.replace(/\./g, '\\.')}, `) });

export const receivedFrom = (page: Page, from: string): Locator =>
  page.getByRole('listitem', { name: new RegExp(`^From ${from.replace(/\./g, '\\.')}, `) });

/** A browser of its own (a new context), signed in as `person`; `prepare` sets the context up first. */
export async function signedInPage(
  browser: Browser,
  person: SharingPerson,
  prepare?: (context: BrowserContext) => Promise<void> | void,
): Promise<Page> {
  const context = await browser.newContext();
  await prepare?.(context);
  const page = await context.newPage();
  await signIn(page, person);
  return page;
}

/** alice and bob in each other's Ring, each in a browser of their own, alice on Messages. */
export async function ringOfTwo(
  browser: Browser,
  makeSharingPerson: (options: SharingPersonOptions) => Promise<SharingPerson>,
  prepare?: {
    alice?: (context: BrowserContext) => Promise<void> | void;
    bob?: (context: BrowserContext) => Promise<void> | void;
  },
) {
  const alice = await makeSharingPerson({ prefix: 'alice', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const alicePage = await signedInPage(browser, alice, prepare?.alice);
  const bobPage = await signedInPage(browser, bob, prepare?.bob);
  await joinRings(
    { page: alicePage, communityName: alice.communityName ?? '' },
    { page: bobPage, communityName: bob.communityName ?? '' },
  );
  await openMessages(alicePage);
  return { alice, bob, alicePage, bobPage };
}
