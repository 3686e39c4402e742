import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from '@playwright/test';
import { signIn, signOut } from './support/accounts';
import { expect, test, type SharingPerson, type SharingPersonOptions } from './support/fixtures';
import {
  openMessages,
  receivedFrom,
  ringOfTwo as sharedRingOfTwo,
  sendMessage,
  sentTo,
  signedInPage as sharedSignedInPage,
} from './support/messages';
import { invite, openPeople } from './support/ring';

// Secure messages between two browsers: sealed in one, stored and forwarded by a server that cannot read
// them, opened in the other only when shown.

/** Every request body a browser sent in this file, for the leak check at the end. */
const requestBodies: string[] = [];

/** Collects what one browser sends into requestBodies. */
function recordRequestBodies(context: BrowserContext) {
  context.on('request', (request) => {
    const body = request.postData();
    if (body) requestBodies.push(body);
  });
}

const ringOfTwo = (
  browser: Browser,
  makeSharingPerson: (options: SharingPersonOptions) => Promise<SharingPerson>,
) => sharedRingOfTwo(browser, makeSharingPerson, { alice: recordRequestBodies, bob: recordRequestBodies });

const signedInPage = (browser: Browser, person: SharingPerson) =>
  sharedSignedInPage(browser, person, recordRequestBodies);

/** Every message text sent in this file, looked for afterwards in the server's files. */
const sentTexts: string[] = [];
/** A word no server file could hold by chance. */
const secret = () => randomBytes(6).toString('hex');

test('alice writes to bob, who is online: Delivered within seconds, and bob reads it only when he asks', async ({
  browser,
  makeSharingPerson,
}) => {
  const { alice, bob, alicePage, bobPage } = await ringOfTwo(browser, makeSharingPerson);
  const text = `hello 🌍 ${secret()}`;
  sentTexts.push(text);
  await alicePage.getByLabel('Message', { exact: true }).fill('hello 🌍');
  await expect(alicePage.getByText('7 / 160')).toBeVisible();
  const sent = await sendMessage(alicePage, bob.communityName ?? '', text);
  await expect(sent.getByText('Delivered')).toBeVisible({ timeout: 10_000 });
  // Hidden until shown, on both sides.
  await expect(sent).not.toContainText(text);
  await sent.getByRole('button', { name: 'Show' }).click();
  await expect(sent).toContainText(text);
  await sent.getByRole('button', { name: 'Hide' }).click();
  await expect(sent).not.toContainText(text);

  await openMessages(bobPage);
  const received = receivedFrom(bobPage, alice.communityName ?? '');
  await expect(received).toBeVisible();
  await expect(received).not.toContainText(text);
  await bobPage.getByRole('button', { name: 'Show all' }).click();
  await expect(received).toContainText(text);
  await expect(received.getByText('Not verified yet')).toHaveCount(0);
});

test('bob offline: Enqueued, then Delivered once he signs in', async ({ browser, makeSharingPerson }) => {
  const { alice, bob, alicePage, bobPage: bobFirstPage } = await ringOfTwo(browser, makeSharingPerson);
  // Offline: signed out and the tab closed, so no push stream of bob's is left open anywhere.
  await signOut(bobFirstPage);
  await bobFirstPage.context().close();
  const text = `while you were out ${secret()}`;
  sentTexts.push(text);
  const sent = await sendMessage(alicePage, bob.communityName ?? '', text);
  await expect(sent.getByText('Enqueued')).toBeVisible({ timeout: 10_000 });

  const bobPage = await signedInPage(browser, bob);
  await openMessages(bobPage);
  await expect(receivedFrom(bobPage, alice.communityName ?? '')).toHaveCount(1);
  await expect(sent.getByText('Delivered')).toBeVisible({ timeout: 10_000 });
});

test('alice away too: the message she left Enqueued shows Delivered when she comes back', async ({
  browser,
  makeSharingPerson,
}) => {
  const { alice, bob, alicePage, bobPage: bobFirstPage } = await ringOfTwo(browser, makeSharingPerson);
  await signOut(bobFirstPage);
  await bobFirstPage.context().close();
  const text = `left for later ${secret()}`;
  sentTexts.push(text);
  const sent = await sendMessage(alicePage, bob.communityName ?? '', text);
  await expect(sent.getByText('Enqueued')).toBeVisible({ timeout: 10_000 });
  // alice signs out in the same browser: her stream ends, and no tab of hers hears the delivery.
  await signOut(alicePage);

  const bobPage = await signedInPage(browser, bob);
  await openMessages(bobPage);
  await expect(receivedFrom(bobPage, alice.communityName ?? '')).toHaveCount(1);

  await signIn(alicePage, alice);
  await openMessages(alicePage);
  await expect(
    sentTo(alicePage, bob.communityName ?? '')
      .first()
      .getByText('Delivered'),
  ).toBeVisible({
    timeout: 10_000,
  });
});

test('while an invite is pending, both may exchange a verification message, marked as not verified', async ({
  browser,
  makeSharingPerson,
}) => {
  const alice = await makeSharingPerson({ prefix: 'alice', termsAccepted: true });
  const bob = await makeSharingPerson({ prefix: 'bob' });
  const alicePage = await signedInPage(browser, alice);
  await openPeople(alicePage);
  await invite(alicePage, bob.communityName ?? '');
  await openMessages(alicePage);
  await expect(alicePage.getByLabel('Recipient')).toContainText(
    `${bob.communityName} (invite pending, not verified)`,
  );
  const text = `where did we last meet? ${secret()}`;
  sentTexts.push(text);
  const sent = await sendMessage(alicePage, bob.communityName ?? '', text);
  await expect(sent.getByText('Enqueued')).toBeVisible({ timeout: 10_000 });

  const bobPage = await signedInPage(browser, bob);
  await openMessages(bobPage);
  const received = receivedFrom(bobPage, alice.communityName ?? '');
  await received.getByRole('button', { name: 'Show' }).click();
  await expect(received).toContainText(text);
  await expect(received).toContainText(
    `Not verified yet: ${alice.communityName} has not joined your Ring of Trust.`,
  );
});

test('the compose form says why a message cannot go, and counts what a person sees', async ({
  browser,
  makeSharingPerson,
}) => {
  const { bob, alicePage } = await ringOfTwo(browser, makeSharingPerson);
  await alicePage.getByLabel('Recipient').selectOption(bob.communityName ?? '');
  await alicePage.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(alicePage.getByRole('alert')).toHaveText('Write a message first.');
  // A family emoji (ZWJ sequence) and a flag are one character each.
  await alicePage.getByLabel('Message', { exact: true }).fill('👨‍👩‍👧🇫🇷');
  await expect(alicePage.getByText('2 / 160')).toBeVisible();
  await alicePage.getByLabel('Message', { exact: true }).fill('x'.repeat(161));
  await expect(alicePage.getByText('161 / 160')).toBeVisible();
  await alicePage.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(alicePage.getByRole('alert')).toHaveText('Use at most 160 characters.');
  await expect(sentTo(alicePage, bob.communityName ?? '')).toHaveCount(0);
});

test('a stored message altered by even one byte is shown as one that could not be verified', async ({
  browser,
  makeSharingPerson,
}) => {
  const { alice, bob, alicePage, bobPage } = await ringOfTwo(browser, makeSharingPerson);
  const text = `tamper with me ${secret()}`;
  sentTexts.push(text);
  const sent = await sendMessage(alicePage, bob.communityName ?? '', text);
  await expect(sent.getByText('Delivered')).toBeVisible({ timeout: 10_000 });
  await openMessages(bobPage);
  await expect(receivedFrom(bobPage, alice.communityName ?? '')).toHaveCount(1);
  // Flip one character of the ciphertext in bob's own IndexedDB copy, as a hostile script or disk might.
  await bobPage.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const opened = indexedDB.open('ringpost');
        opened.onerror = () => reject(new Error(String(opened.error)));
        opened.onsuccess = () => {
          const tx = opened.result.transaction('messages', 'readwrite');
          const store = tx.objectStore('messages');
          const all = store.getAll();
          all.onsuccess = () => {
            for (const record of all.result as { envelope: { ct: string } }[]) {
              const ct = record.envelope.ct;
              record.envelope.ct = (ct.startsWith('A') ? 'B' : 'A') + ct.slice(1);
              store.put(record);
            }
          };
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(new Error(String(tx.error)));
        };
      }),
  );
  await bobPage.reload();
  const received = receivedFrom(bobPage, alice.communityName ?? '');
  await received.getByRole('button', { name: 'Show' }).click();
  await expect(received.getByRole('alert')).toHaveText('This message could not be verified.');
  await expect(received).not.toContainText(text);
});

test.afterAll('no request body carried the plaintext of a message', () => {
  expect(sentTexts.length).toBeGreaterThan(0);
  expect(requestBodies.length).toBeGreaterThan(0);
  for (const text of sentTexts) {
    for (const body of requestBodies)
      expect(body.includes(text), 'a request body holds a message text').toBe(false);
  }
});

test.afterAll('the server kept no plaintext of any message sent', () => {
  const dataDir = process.env.E2E_DATA_DIR ?? '';
  const files = readdirSync(dataDir).filter((name) => name.startsWith('ringpost.sqlite'));
  expect(files.length).toBeGreaterThan(0);
  const bytes = Buffer.concat(files.map((name) => readFileSync(join(dataDir, name))));
  for (const text of sentTexts) {
    for (const needle of [text, text.split(' ').at(-1) ?? text]) {
      expect(bytes.includes(Buffer.from(needle, 'utf8')), `"${needle}" is in the server's files`).toBe(false);
    }
  }
});
