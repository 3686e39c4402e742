import { expect, type Page } from '@playwright/test';

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
