import type { Browser, Page } from '@playwright/test';
import { request as playwrightRequest } from '@playwright/test';
import { signIn } from './support/accounts';
import { createSharingPerson, expect, test, type SharingPerson } from './support/fixtures';
import { openMessages, receivedFrom, sendMessage, sentTo } from './support/messages';
import { ownServer } from './support/own-server';
import { joinRings } from './support/ring';

// What stays and what goes: five stars at most, History and marks the same in a second browser, and
// content that expires into "Message sent" / "Message received" while a starred message stays readable.

async function pageFor(browser: Browser, person: SharingPerson, baseURL?: string): Promise<Page> {
  const page = await (await browser.newContext(baseURL ? { baseURL } : {})).newPage();
  await signIn(page, person);
  return page;
}

const history = (page: Page) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^History/ });

test('five stars at most, and bob’s second browser sees the same History, read marks and stars', async ({
  browser,
  makeSharingPerson,
}) => {
  const alice = await makeSharingPerson({ prefix: 'alice', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const alicePage = await pageFor(browser, alice);
  const bobPage = await pageFor(browser, bob);
  await joinRings(
    { page: alicePage, communityName: alice.communityName ?? '' },
    { page: bobPage, communityName: bob.communityName ?? '' },
  );
  await openMessages(alicePage);
  for (let index = 1; index <= 6; index += 1) {
    await expect(
      (await sendMessage(alicePage, bob.communityName ?? '', `note ${index}`)).getByText('Delivered'),
    ).toBeVisible({ timeout: 10_000 });
  }
  const sent = sentTo(alicePage, bob.communityName ?? '');
  // Each shows its 7-day clock; a starred one shows none.
  await expect(sent.first()).toContainText('Destroyed in 6 days');
  for (let index = 0; index < 5; index += 1) {
    await sent.nth(index).getByRole('button', { name: 'Star', exact: true }).click();
    await expect(sent.nth(index).getByRole('button', { name: 'Unstar' })).toBeVisible();
  }
  await sent.nth(5).getByRole('button', { name: 'Star', exact: true }).click();
  await expect(sent.nth(5).getByRole('alert')).toHaveText(
    'You can star at most 5 messages. Unstar one to free a slot.',
  );
  await expect(sent.first()).not.toContainText('Destroyed in');
  await expect(sent.nth(5)).toContainText('Destroyed in 6 days');
  await history(alicePage).click();
  await expect(alicePage.getByRole('heading', { name: 'Starred (5 of 5)' })).toBeVisible();

  // bob reads one and stars it in his first browser; his second browser, opened afterwards, agrees.
  await expect(history(bobPage)).toHaveAccessibleName('History 6 unread');
  await openMessages(bobPage);
  const first = receivedFrom(bobPage, alice.communityName ?? '').first();
  await first.getByRole('button', { name: 'Show' }).click();
  await expect(first).toContainText('note 6');
  await first.getByRole('button', { name: 'Star', exact: true }).click();
  await expect(first.getByRole('button', { name: 'Unstar' })).toBeVisible();
  await expect(history(bobPage)).toHaveAccessibleName('History 5 unread');

  const bobElsewhere = await pageFor(browser, bob);
  await expect(history(bobElsewhere)).toHaveAccessibleName('History 5 unread');
  await history(bobElsewhere).click();
  const there = receivedFrom(bobElsewhere, alice.communityName ?? '');
  await expect(there.filter({ hasText: 'Unread' })).toHaveCount(5);
  await expect(bobElsewhere.getByRole('heading', { name: 'Starred (1 of 5)' })).toBeVisible();

  // alice's second browser shows what she sent from the first, and opens it with her own wrapped key.
  const aliceElsewhere = await pageFor(browser, alice);
  await openMessages(aliceElsewhere);
  const sentThere = sentTo(aliceElsewhere, bob.communityName ?? '');
  await expect(sentThere).toHaveCount(6);
  await sentThere.last().getByRole('button', { name: 'Show' }).click();
  await expect(sentThere.last()).toContainText('note 1');
  await expect(sentThere.first().getByRole('button', { name: 'Unstar' })).toBeVisible();

  // A mark made in one browser reaches the other while both are open.
  await there.last().getByRole('button', { name: 'Show' }).click();
  await expect(there.last()).toContainText('note 1');
  await expect(history(bobPage)).toHaveAccessibleName('History 4 unread');
});

test('an invite is news in History until opened, in every browser of the account', async ({
  browser,
  makeSharingPerson,
}) => {
  const carol = await makeSharingPerson({ prefix: 'carol', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const carolPage = await pageFor(browser, carol);
  const bobPage = await pageFor(browser, bob);
  await carolPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
  await carolPage.getByLabel("Friend's community name").fill(bob.communityName ?? '');
  await carolPage.getByRole('button', { name: 'Invite', exact: true }).click();

  await expect(history(bobPage)).toHaveAccessibleName('History 1 unread', { timeout: 10_000 });
  await history(bobPage).click();
  const invite = bobPage.getByRole('listitem').filter({ hasText: `Invite from ${carol.communityName}` });
  await expect(invite).toContainText('Unread');
  await invite.getByRole('link', { name: 'Answer it in People' }).click();
  await expect(bobPage.getByRole('heading', { name: 'People', level: 1 })).toBeVisible();
  await expect(history(bobPage)).toHaveAccessibleName('History');

  const bobElsewhere = await pageFor(browser, bob);
  await history(bobElsewhere).click();
  await expect(
    bobElsewhere.getByRole('listitem').filter({ hasText: `Invite from ${carol.communityName}` }),
  ).not.toContainText('Unread');
  await expect(history(bobElsewhere)).toHaveAccessibleName('History');
});

test('content expires into Message sent / Message received; a starred message stays readable', async ({
  browser,
}) => {
  const server = await ownServer({
    RINGPOST_RETENTION: '8s',
    RINGPOST_HISTORY: '1h',
    RINGPOST_SWEEP_INTERVAL: '1s',
  });
  try {
    const person = async (prefix: string, termsAccepted = false) => {
      const request = await playwrightRequest.newContext({ baseURL: server.baseURL });
      try {
        return await createSharingPerson(request, { prefix, termsAccepted });
      } finally {
        await request.dispose();
      }
    };
    const alice = await person('alice', true);
    const bob = await person('bob');
    const alicePage = await pageFor(browser, alice, server.baseURL);
    const bobPage = await pageFor(browser, bob, server.baseURL);
    await joinRings(
      { page: alicePage, communityName: alice.communityName ?? '' },
      { page: bobPage, communityName: bob.communityName ?? '' },
    );
    await openMessages(alicePage);
    for (const text of ['let this one go', 'keep this one']) {
      await expect(
        (await sendMessage(alicePage, bob.communityName ?? '', text)).getByText('Delivered'),
      ).toBeVisible({
        timeout: 10_000,
      });
    }
    const kept = sentTo(alicePage, bob.communityName ?? '').first();
    await kept.getByRole('button', { name: 'Star', exact: true }).click();
    await expect(kept.getByRole('button', { name: 'Unstar' })).toBeVisible();

    const gone = sentTo(alicePage, bob.communityName ?? '').last();
    await expect(gone.getByText('Message sent')).toBeVisible({ timeout: 20_000 });
    await expect(gone.getByRole('button', { name: 'Show' })).toHaveCount(0);
    await kept.getByRole('button', { name: 'Show' }).click();
    await expect(kept).toContainText('keep this one');

    await openMessages(bobPage);
    const received = receivedFrom(bobPage, alice.communityName ?? '');
    await expect(received.getByText('Message received')).toHaveCount(2, { timeout: 20_000 });
  } finally {
    await server.dispose();
  }
});
