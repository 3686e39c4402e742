import type { Browser, Page } from '@playwright/test';
import { expect, test, type SharingPerson } from './support/fixtures';
import {
  acceptTerms,
  invite,
  joinRings,
  openPeople,
  receivedInvite,
  replacePublishedKey,
  returnToTab,
  ringMember,
  sentInvite,
  spaced,
} from './support/ring';
import { signedInPage as sharedSignedInPage } from './support/messages';
import { newCommunityName } from './support/sharing';

// The Ring of Trust as two or three people live it, each in a browser of their own: invites that say
// nothing about who exists, fingerprints compared before trusting, and an alarm when a key changes.

async function signedInPage(browser: Browser, person: SharingPerson): Promise<Page> {
  const page = await sharedSignedInPage(browser, person);
  await openPeople(page);
  return page;
}

test('the terms are asked once, before the first invite, and never again in any browser', async ({
  browser,
  makeSharingPerson,
}) => {
  const alice = await makeSharingPerson({ prefix: 'alice' });
  const page = await signedInPage(browser, alice);
  await expect(page.getByLabel("Friend's community name")).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Before your first invite' })).toContainText(
    'not a way to find strangers',
  );
  await acceptTerms(page);

  const elsewhere = await signedInPage(browser, alice);
  await expect(elsewhere.getByLabel("Friend's community name")).toBeVisible();
  await expect(elsewhere.getByRole('button', { name: 'Accept terms' })).toHaveCount(0);
});

test('alice invites bob; bob compares her fingerprint and accepts; alice is told; both see matching fingerprints', async ({
  browser,
  makeSharingPerson,
}) => {
  const alice = await makeSharingPerson({ prefix: 'alice', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const nobody = newCommunityName('nobody');
  const alicePage = await signedInPage(browser, alice);
  const bobPage = await signedInPage(browser, bob);

  // The same sentence for a real name and for one nobody holds, bar the name itself.
  const toBob = await invite(alicePage, bob.communityName ?? '');
  const toNobody = await invite(alicePage, nobody);
  expect(toNobody.replace(nobody, 'NAME')).toBe(toBob.replace(bob.communityName ?? '', 'NAME'));
  // Both are listed alike, each with a key from the directory to compare.
  for (const name of [bob.communityName ?? '', nobody]) {
    const item = sentInvite(alicePage, name);
    await expect(item.getByRole('button', { name: 'Cancel invite' })).toBeVisible();
    await expect(item.getByLabel(`Key fingerprint of ${name}`)).toHaveText(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
  }
  await expect(sentInvite(alicePage, bob.communityName ?? '').getByLabel(/Key fingerprint/)).toHaveText(
    spaced(bob.fingerprint),
  );

  await returnToTab(bobPage);
  const fromAlice = receivedInvite(bobPage, alice.communityName ?? '');
  await expect(fromAlice.getByLabel(`Key fingerprint of ${alice.communityName}`)).toHaveText(
    spaced(alice.fingerprint),
  );
  await fromAlice.getByRole('button', { name: 'Accept' }).click();
  const aliceOnBobsSide = ringMember(bobPage, alice.communityName ?? '');
  await expect(aliceOnBobsSide.getByLabel(`Key fingerprint of ${alice.communityName}`)).toHaveText(
    spaced(alice.fingerprint),
  );
  await expect(fromAlice).toHaveCount(0);

  await returnToTab(alicePage);
  await expect(
    alicePage.getByRole('status').filter({ hasText: `${bob.communityName} accepted your invite.` }),
  ).toBeVisible();
  const bobOnAlicesSide = ringMember(alicePage, bob.communityName ?? '');
  await expect(bobOnAlicesSide.getByLabel(`Key fingerprint of ${bob.communityName}`)).toHaveText(
    spaced(bob.fingerprint),
  );
  await expect(sentInvite(alicePage, bob.communityName ?? '')).toHaveCount(0);
  await expect(sentInvite(alicePage, nobody)).toBeVisible();

  // Verified is said with an icon and a word, and the envelope opens Messages with bob chosen.
  await bobOnAlicesSide.getByRole('button', { name: 'Mark as verified' }).click();
  await expect(bobOnAlicesSide.getByText('Verified', { exact: true })).toBeVisible();
  await bobOnAlicesSide.getByRole('link', { name: `Message ${bob.communityName}` }).click();
  await expect(alicePage).toHaveURL(new RegExp(`/messages\\?to=${bob.communityName}$`));
});

test("bob declining carol's invite changes nothing on carol's page", async ({
  browser,
  makeSharingPerson,
}) => {
  const carol = await makeSharingPerson({ prefix: 'carol', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const carolPage = await signedInPage(browser, carol);
  await invite(carolPage, bob.communityName ?? '');
  await carolPage.reload();
  await expect(sentInvite(carolPage, bob.communityName ?? '').getByLabel(/Key fingerprint/)).toBeVisible();
  const before = await carolPage.getByRole('main').innerText();

  const bobPage = await signedInPage(browser, bob);
  await receivedInvite(bobPage, carol.communityName ?? '')
    .getByRole('button', { name: 'Decline' })
    .click();
  await expect(receivedInvite(bobPage, carol.communityName ?? '')).toHaveCount(0);

  await carolPage.reload();
  await expect(sentInvite(carolPage, bob.communityName ?? '').getByLabel(/Key fingerprint/)).toBeVisible();
  expect(await carolPage.getByRole('main').innerText()).toBe(before);

  // Cancelling and inviting again does not bring the invite back to bob.
  await sentInvite(carolPage, bob.communityName ?? '')
    .getByRole('button', { name: 'Cancel invite' })
    .click();
  await expect(sentInvite(carolPage, bob.communityName ?? '')).toHaveCount(0);
  await invite(carolPage, bob.communityName ?? '');
  await bobPage.reload();
  await expect(bobPage.getByRole('heading', { name: 'Your Ring of Trust is empty' })).toBeVisible();
  await expect(receivedInvite(bobPage, carol.communityName ?? '')).toHaveCount(0);
});

test('removing a member removes both sides, silently', async ({ browser, makeSharingPerson }) => {
  const alice = await makeSharingPerson({ prefix: 'alice', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const alicePage = await signedInPage(browser, alice);
  const bobPage = await signedInPage(browser, bob);
  await joinRings(
    { page: alicePage, communityName: alice.communityName ?? '' },
    { page: bobPage, communityName: bob.communityName ?? '' },
  );
  const bobOnAlicesSide = ringMember(alicePage, bob.communityName ?? '');

  await bobOnAlicesSide.getByRole('button', { name: 'Remove' }).click();
  const dialog = alicePage.getByRole('dialog', {
    name: `Remove ${bob.communityName} from your Ring of Trust?`,
  });
  await dialog.getByRole('button', { name: 'Keep' }).click();
  await expect(bobOnAlicesSide).toBeVisible();
  await bobOnAlicesSide.getByRole('button', { name: 'Remove' }).click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect(bobOnAlicesSide).toHaveCount(0);

  await bobPage.reload();
  await expect(bobPage.getByRole('heading', { name: 'Your Ring of Trust is empty' })).toBeVisible();
  await expect(ringMember(bobPage, alice.communityName ?? '')).toHaveCount(0);
});

test('the key-change alarm appears when the server hands out another key for bob, and stays until alice re-verifies', async ({
  browser,
  makeSharingPerson,
}) => {
  const alice = await makeSharingPerson({ prefix: 'alice', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const alicePage = await signedInPage(browser, alice);
  const bobPage = await signedInPage(browser, bob);
  await joinRings(
    { page: alicePage, communityName: alice.communityName ?? '' },
    { page: bobPage, communityName: bob.communityName ?? '' },
  );
  const bobOnAlicesSide = ringMember(alicePage, bob.communityName ?? '');
  await bobOnAlicesSide.getByRole('button', { name: 'Mark as verified' }).click();
  await expect(bobOnAlicesSide.getByText('Verified', { exact: true })).toBeVisible();

  const swapped = replacePublishedKey(process.env.E2E_DATA_DIR ?? '', bob.communityName ?? '');
  await returnToTab(alicePage);
  const alarm = bobOnAlicesSide.getByRole('alert');
  await expect(alarm).toContainText(
    `${bob.communityName}'s key has changed: compare fingerprints again before you write.`,
  );
  await expect(alarm.getByLabel(`Fingerprint you trusted for ${bob.communityName}`)).toHaveText(
    spaced(bob.fingerprint),
  );
  await expect(alarm.getByLabel(`Key fingerprint of ${bob.communityName}`)).toHaveText(spaced(swapped));
  await expect(bobOnAlicesSide.getByText('Verified', { exact: true })).toHaveCount(0);

  // It survives a reload and a new sign-in elsewhere: the pin, not the server, decides.
  await alicePage.reload();
  await expect(bobOnAlicesSide.getByRole('alert')).toBeVisible();
  const elsewhere = await signedInPage(browser, alice);
  await expect(ringMember(elsewhere, bob.communityName ?? '').getByRole('alert')).toBeVisible();

  await ringMember(elsewhere, bob.communityName ?? '')
    .getByRole('button', { name: 'Mark as verified' })
    .click();
  await expect(ringMember(elsewhere, bob.communityName ?? '').getByRole('alert')).toHaveCount(0);
  await expect(
    ringMember(elsewhere, bob.communityName ?? '').getByText('Verified', { exact: true }),
  ).toBeVisible();
});
