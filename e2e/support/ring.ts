import { createHash, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import SQLite from 'better-sqlite3';

export async function openPeople(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
  await expect(page.getByRole('heading', { name: 'People', level: 1 })).toBeVisible();
}

export async function acceptTerms(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Accept terms' }).click();
  await expect(page.getByLabel("Friend's community name")).toBeVisible();
}

/** Invites by name and returns the confirmation the page showed. */
export async function invite(page: Page, communityName: string): Promise<string> {
  await page.getByLabel("Friend's community name").fill(communityName);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const confirmation = page.getByRole('status').filter({ hasText: 'Invite sent to' });
  await expect(confirmation).toBeVisible();
  return (await confirmation.textContent()) ?? '';
}

/**
 * People refreshes when its window gets focus back, as when a person switches back to it from another
 * window; this plays that switch instead of waiting for the next interval.
 */
export async function returnToTab(page: Page): Promise<void> {
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
}

export const receivedInvite = (page: Page, from: string): Locator =>
  page.getByRole('listitem', { name: `Invite from ${from}` });

export const sentInvite = (page: Page, to: string): Locator =>
  page.getByRole('listitem', { name: `Invite to ${to}` });

export const ringMember = (page: Page, name: string): Locator =>
  page
    .getByRole('region', { name: 'Your Ring of Trust', exact: true })
    .getByRole('listitem', { name, exact: true });

interface Side {
  page: Page;
  communityName: string;
}

/**
 * The inviter (terms accepted) invites the invitee from People and the invitee accepts; returns once each
 * page lists the other as a member. Both pages are left on People.
 */
export async function joinRings(inviter: Side, invitee: Side): Promise<void> {
  await openPeople(inviter.page);
  await invite(inviter.page, invitee.communityName);
  await openPeople(invitee.page);
  await receivedInvite(invitee.page, inviter.communityName).getByRole('button', { name: 'Accept' }).click();
  await expect(ringMember(invitee.page, inviter.communityName)).toBeVisible();
  await returnToTab(inviter.page);
  await expect(ringMember(inviter.page, invitee.communityName)).toBeVisible();
}

/** "dd04 bfb8 …" as the page shows a fingerprint. */
export const spaced = (fingerprint: string) => fingerprint.match(/.{4}/g)?.join(' ') ?? '';

/**
 * Plays a server that starts handing out another key for a person: the identity row in the end-to-end
 * server's SQLite file gets a fresh public key. Returns the new key's fingerprint.
 */
export function replacePublishedKey(dataDir: string, communityName: string): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 0x10001 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const fingerprint = createHash('sha256').update(spki).digest('hex');
  const db = new SQLite(join(dataDir, 'ringpost.sqlite'));
  try {
    const changed = db
      .prepare('update identities set public_key = ?, fingerprint = ? where community_name = ?')
      .run(spki.toString('base64url'), fingerprint, communityName).changes;
    expect(changed).toBe(1);
  } finally {
    db.close();
  }
  return fingerprint;
}
