import { expect, type Locator, type Page } from '@playwright/test';

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
