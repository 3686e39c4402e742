import type { Request } from '@playwright/test';
import { deriveAccountKeys } from '../src/shared/crypto/account-keys';
import { formatFingerprint } from '../src/shared/crypto/fingerprint';
import { openKeyBackup } from '../src/shared/crypto/key-backup';
import { identityResponseSchema } from '../src/shared/protocol/identity';
import { createAccount, expectSignedIn, newPerson, signIn, signOut } from './support/accounts';
import { expect, test } from './support/fixtures';
import { recordPrivateKey } from './support/leak-record';
import { activateSharing, claimCommunityName, clearKeysAndReload, newCommunityName } from './support/sharing';

test.describe('activating sharing', () => {
  test('makes a keypair in a worker, claims a name once, and restores the same identity elsewhere', async ({
    page,
    browser,
    context,
  }) => {
    const person = newPerson('erin');
    const requests: Request[] = [];
    context.on('request', (request) => requests.push(request));

    await createAccount(page, person);
    await expect(page.getByLabel('Key size')).toHaveValue('1024');

    // Whether the main thread stays free of long tasks while the keypair is made is a speed figure, so it
    // is measured in `npm run bench` (keygen), not asserted here where other tests share the CPU; the test
    // below shows structurally that forge runs only in the worker.
    await page.getByLabel('Key size').selectOption('1024');
    await page.getByRole('button', { name: 'Activate Sharing' }).click();
    await expect(page.getByLabel('Key fingerprint')).toBeVisible({ timeout: 30_000 });
    const fingerprint = (await page.getByLabel('Key fingerprint').textContent()) ?? '';
    expect(fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    // Still so after the push channel's identity.updated, this tab's own news, has come and gone.
    await expect(page.getByText('Made and stored in this browser.')).toBeVisible();
    await expect(page.getByText(/^(Persistent|Best effort|This browser cannot)/)).toBeVisible();

    // The name: typed twice, with the warning, then fixed for good.
    await expect(page.getByText('Your community name can never be changed.')).toBeVisible();
    const name = newCommunityName('Erin');
    await claimCommunityName(page, name);
    await expect(page.getByRole('button', { name: 'Claim community name' })).toHaveCount(0);
    await expect(page.getByText('1024 bits')).toBeVisible();

    // Reload: the keys are still in this browser, as non-extractable WebCrypto keys.
    await page.reload();
    await expect(page.getByLabel('Key fingerprint')).toHaveText(fingerprint);
    await expect(page.getByText('Stored in this browser.')).toBeVisible();
    const stored = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('ringpost');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(new Error(String(open.error)));
      });
      const record = await new Promise<{ decryptKey: CryptoKey; signKey: CryptoKey; fingerprint: string }>(
        (resolve, reject) => {
          const request = db.transaction('keys').objectStore('keys').getAll();
          request.onsuccess = () => resolve(request.result[0] as never);
          request.onerror = () => reject(new Error(String(request.error)));
        },
      );
      db.close();
      return {
        fingerprint: record.fingerprint,
        decrypt: [record.decryptKey.algorithm.name, record.decryptKey.extractable, record.decryptKey.type],
        sign: [record.signKey.algorithm.name, record.signKey.extractable, record.signKey.type],
      };
    });
    expect(stored.fingerprint.match(/.{4}/g)?.join(' ')).toBe(fingerprint);
    expect(stored.decrypt).toEqual(['RSA-OAEP', false, 'private']);
    expect(stored.sign).toEqual(['RSA-PSS', false, 'private']);

    // A fresh browser profile: signing in restores the same identity from the encrypted backup.
    const elsewhere = await browser.newContext();
    elsewhere.on('request', (request) => requests.push(request));
    const other = await elsewhere.newPage();
    await signIn(other, person);
    await expect(other.getByLabel('Key fingerprint')).toHaveText(fingerprint);
    await expect(
      other.getByText('Restored from your encrypted backup and stored in this browser.'),
    ).toBeVisible();
    await expect(other.getByTestId('community-name')).toHaveText(name.toLowerCase());
    await expect(other.getByRole('button', { name: 'Activate Sharing' })).toHaveCount(0);

    // Clearing the site's IndexedDB in the first browser: after the next sign-in the same keys come back.
    await clearKeysAndReload(page);
    await page
      .getByRole('form', { name: 'Unlock' })
      .getByLabel('Password', { exact: true })
      .fill(person.password);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(
      page.getByText('Restored from your encrypted backup and stored in this browser.'),
    ).toBeVisible();
    await expect(page.getByLabel('Key fingerprint')).toHaveText(fingerprint);

    // No request ever carried the private key: not as PEM, not as the PKCS#8 the backup hides.
    const identityResponse = await page.request.get('/api/identity');
    const { identity } = identityResponseSchema.parse(await identityResponse.json());
    const { wrapKey } = await deriveAccountKeys(crypto, person.accountName, person.password, 600_000);
    const pkcs8 = Buffer.from(
      await openKeyBackup(crypto, {
        accountName: person.accountName,
        fingerprint: identity?.fingerprint ?? '',
        wrapKey,
        backup: identity?.backup,
      }),
    );
    // The key this browser made: the leak check after the run looks for its numbers everywhere.
    recordPrivateKey(pkcs8);
    const secrets = [
      'PRIVATE KEY',
      pkcs8.toString('base64'),
      pkcs8.toString('base64url'),
      pkcs8.toString('hex'),
    ];
    const withBodies = requests.filter((request) => request.postData());
    expect(withBodies.some((request) => request.url().endsWith('/api/identity'))).toBe(true);
    for (const request of withBodies) {
      for (const secret of secrets) expect(request.postData(), request.url()).not.toContain(secret);
    }
    await elsewhere.close();
  });

  test('keeps node-forge out of the main bundle: it loads only in the worker', async ({ page }) => {
    const scripts = new Map<string, string>();
    page.on('response', async (response) => {
      if (response.request().resourceType() === 'script' || response.url().endsWith('.js')) {
        scripts.set(response.url(), await response.text().catch(() => ''));
      }
    });
    await createAccount(page, newPerson('frank'));
    const beforeActivation = [...scripts.values()];
    expect(beforeActivation.length).toBeGreaterThan(0);
    // Property names survive minification; this one is forge's key-generation state machine.
    for (const source of beforeActivation) expect(source).not.toContain('stepKeyPairGenerationState');

    await activateSharing(page);
    const workerScripts = [...scripts.entries()].filter(([, source]) =>
      source.includes('stepKeyPairGenerationState'),
    );
    expect(workerScripts.length, 'a worker chunk with forge was loaded').toBeGreaterThan(0);
  });

  test('offers 2048-bit keys too', async ({ page }) => {
    await createAccount(page, newPerson('gina'));
    await activateSharing(page, '2048');
    await expect(page.getByText('2048 bits')).toBeVisible();
  });

  test('a taken community name gets a clear sentence, and another name still works', async ({
    page,
    makeSharingPerson,
  }) => {
    const first = await makeSharingPerson({ prefix: 'hank' });
    const wanted = first.communityName ?? '';
    const second = await makeSharingPerson({ prefix: 'ivy', named: false });
    await signIn(page, second);
    await page.getByLabel('Community name', { exact: true }).fill(wanted.toUpperCase());
    await page.getByLabel('Confirm community name', { exact: true }).fill(wanted.toUpperCase());
    await page.getByRole('button', { name: 'Claim community name' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      'That community name is not available. Please choose another.',
    );
    await claimCommunityName(page, newCommunityName('ivy'));
  });

  test('asks for the password again after a reload before sealing a new key backup', async ({ page }) => {
    const person = newPerson('jack');
    await createAccount(page, person);
    await page.reload();
    await expectSignedIn(page, person);
    await expect(page.getByRole('button', { name: 'Activate Sharing' })).toHaveCount(0);
    await page
      .getByRole('form', { name: 'Unlock' })
      .getByLabel('Password', { exact: true })
      .fill(person.password);
    // Before activation there is no key backup to check the password against: Unlock signs in again.
    const signedInAgain = page.waitForRequest(
      (request) => request.method() === 'POST' && new URL(request.url()).pathname === '/api/session',
    );
    await page.getByRole('button', { name: 'Unlock' }).click();
    await signedInAgain;
    await activateSharing(page);
  });

  test('after a reload, Unlock checks the password against the key backup, without a new session', async ({
    page,
    context,
    makeSharingPerson,
  }) => {
    const person = await makeSharingPerson({ prefix: 'mona' });
    await signIn(page, person);
    const fingerprint = formatFingerprint(person.fingerprint);
    await expect(page.getByLabel('Key fingerprint')).toHaveText(fingerprint);

    // Site data cleared, then a reload: the session cookie stays, the keys and the in-memory wrap key go.
    await clearKeysAndReload(page);
    const sessionCookies = async () =>
      (await context.cookies()).map((cookie) => `${cookie.name}=${cookie.value}`).sort();
    const cookiesBefore = await sessionCookies();
    const writes: string[] = [];
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/api/') && request.method() !== 'GET') {
        writes.push(`${request.method()} ${pathname}`);
      }
    });

    const unlock = page.getByRole('form', { name: 'Unlock' });
    await expect(unlock.getByRole('heading', { name: 'Unlock' })).toBeVisible();
    await unlock.getByLabel('Password', { exact: true }).fill(`${person.password}!`);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await expect(unlock.getByRole('alert')).toHaveText('That password is not right for this account.');
    // Nothing else changed: still locked, still asking.
    await expect(page.getByText('Not in this browser yet.', { exact: true })).toBeVisible();
    await expect(unlock.getByRole('button', { name: 'Unlock' })).toBeEnabled();

    await unlock.getByLabel('Password', { exact: true }).fill(person.password);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await expect(
      page.getByText('Restored from your encrypted backup and stored in this browser.'),
    ).toBeVisible();
    await expect(page.getByLabel('Key fingerprint')).toHaveText(fingerprint);
    await expect(page.getByRole('form', { name: 'Unlock' })).toHaveCount(0);

    // The password was checked in this browser: no sign-in request, no new session.
    expect(writes).toEqual([]);
    expect(await sessionCookies()).toEqual(cookiesBefore);
  });
  test('signing out leaves no keys in this browser; signing in brings the same ones back', async ({
    page,
    makeSharingPerson,
  }) => {
    const person = await makeSharingPerson({ prefix: 'kate' });
    await signIn(page, person);
    const fingerprint = formatFingerprint(person.fingerprint);
    await expect(page.getByLabel('Key fingerprint')).toHaveText(fingerprint);
    // The fingerprint shows as soon as the backup opens; the keys are in IndexedDB once this line shows.
    await expect(
      page.getByText('Restored from your encrypted backup and stored in this browser.'),
    ).toBeVisible();
    const storedKeys = () =>
      page.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            const open = indexedDB.open('ringpost');
            open.onerror = () => reject(new Error(String(open.error)));
            open.onsuccess = () => {
              const count = open.result.transaction('keys').objectStore('keys').count();
              count.onsuccess = () => resolve(count.result);
              count.onerror = () => reject(new Error(String(count.error)));
            };
          }),
      );
    expect(await storedKeys()).toBe(1);
    await signOut(page);
    expect(await storedKeys()).toBe(0);
    await signIn(page, person);
    await expect(page.getByLabel('Key fingerprint')).toHaveText(fingerprint);
    await expect(
      page.getByText('Restored from your encrypted backup and stored in this browser.'),
    ).toBeVisible();
    expect(await storedKeys()).toBe(1);
  });
  test('a session that ended elsewhere brings the sign-in screen, not an error', async ({
    page,
    context,
  }) => {
    await createAccount(page, newPerson('liam'));
    await context.clearCookies();
    await page.getByRole('button', { name: 'Activate Sharing' }).click();
    await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  });
});
