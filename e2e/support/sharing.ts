import { randomBytes } from 'node:crypto';
import { expect, type Page } from '@playwright/test';

/** A community name nobody else in the run has: names are unique for good. */
export function newCommunityName(prefix: string): string {
  return `${prefix}.${randomBytes(3).toString('hex')}`;
}

export async function activateSharing(
  page: Page,
  keySize: '1024' | '2048' | '3072' = '1024',
): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Key size').selectOption(keySize);
  await page.getByRole('button', { name: 'Activate Sharing' }).click();
  const fingerprint = page.getByLabel('Key fingerprint');
  await expect(fingerprint).toHaveText(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/, { timeout: 30_000 });
  return (await fingerprint.textContent()) ?? '';
}

export async function claimCommunityName(page: Page, name: string): Promise<void> {
  await page.getByLabel('Community name', { exact: true }).fill(name);
  await page.getByLabel('Confirm community name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Claim community name' }).click();
  await expect(page.getByTestId('community-name')).toHaveText(name.toLowerCase());
}

/** Site data cleared, then a reload: the session cookie stays; the keys and the in-memory wrap key go. */
export async function clearKeysAndReload(page: Page): Promise<void> {
  // Wait until the keys are settled in this browser: a restore still writing would recreate the database
  // right after it is deleted.
  await expect(
    page.getByText(
      /^(Stored in this browser|Made and stored in this browser|Restored from your encrypted backup)/,
    ),
  ).toBeVisible();
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase('ringpost');
        request.onsuccess = () => resolve();
        request.onerror = () => reject(new Error(String(request.error)));
      }),
  );
  await page.reload();
  await expect(page.getByText('Your keys are not in this browser yet.', { exact: false })).toBeVisible();
}
