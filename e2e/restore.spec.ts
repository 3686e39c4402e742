import { formatFingerprint } from '../src/shared/crypto/fingerprint';
import { signIn } from './support/accounts';
import { expect, test } from './support/fixtures';

test.describe('an identity made elsewhere', () => {
  test('three people, each in a browser of their own, get back their own keys and community name', async ({
    browser,
    makeSharingPerson,
  }) => {
    const people = await Promise.all(
      ['olga', 'pete', 'quinn'].map((prefix) => makeSharingPerson({ prefix })),
    );
    expect(new Set(people.map((person) => person.fingerprint)).size).toBe(3);

    await Promise.all(
      people.map(async (person) => {
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          await signIn(page, person);
          await expect(page.getByLabel('Key fingerprint')).toHaveText(formatFingerprint(person.fingerprint));
          await expect(
            page.getByText('Restored from your encrypted backup and stored in this browser.'),
          ).toBeVisible();
          await expect(page.getByTestId('community-name')).toHaveText(person.communityName ?? '');
          // What this browser now holds is the key the fixture published, not merely the server's word.
          const stored = await page.evaluate(
            () =>
              new Promise<string[]>((resolve, reject) => {
                const open = indexedDB.open('ringpost');
                open.onerror = () => reject(new Error(String(open.error)));
                open.onsuccess = () => {
                  const all = open.result.transaction('keys').objectStore('keys').getAll();
                  all.onsuccess = () =>
                    resolve((all.result as { fingerprint: string }[]).map((record) => record.fingerprint));
                  all.onerror = () => reject(new Error(String(all.error)));
                };
              }),
          );
          expect(stored).toEqual([person.fingerprint]);
        } finally {
          await context.close();
        }
      }),
    );
  });
});
