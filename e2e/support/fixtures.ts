import { test as base, expect, type APIRequestContext } from '@playwright/test';
import { deriveAccountKeys } from '../../src/shared/crypto/account-keys';
import { configResponseSchema } from '../../src/shared/protocol/config';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../src/shared/protocol/errors';
import { identityResponseSchema } from '../../src/shared/protocol/identity';
import { TERMS_VERSION } from '../../src/shared/protocol/ring';
import { activationRequest } from '../../src/server/testing/activation';
import { newPerson, type Person } from './accounts';
import { recordEveryContext, recordPrivateKey } from './leak-record';
import { newCommunityName } from './sharing';

// People who have already done the slow part: an account, a keypair with its sealed backup on the server,
// and (unless asked otherwise) a community name. They are made through the API with the same derivation
// and the same backup format as the browser, so signing one in through the UI restores their keys from the
// backup exactly as for someone who activated in another browser. One story still walks the whole UI
// path (the first test of sharing.spec.ts); the rest start here.

export interface SharingPerson extends Person {
  /** As the server keeps and the UI shows it (lower case); null when made with `named: false`. */
  communityName: string | null;
  /** 64 lowercase hex digits: SHA-256 of the public key the server publishes. */
  fingerprint: string;
}

export interface SharingPersonOptions {
  /** Prefix of the account and community names, so a failing story says who is who. */
  prefix?: string;
  /** False leaves the community name unclaimed, for stories about claiming it. */
  named?: boolean;
  /** True accepts the Ring's terms through the API, for stories that start after the first invite. */
  termsAccepted?: boolean;
}

const KEY_BITS = 1024;

async function expectStatus(response: { status(): number; text(): Promise<string> }, status: number) {
  expect(response.status(), await response.text()).toBe(status);
}

/**
 * Creates an account, activates sharing and claims a community name through `request`, which must be a
 * context of its own: it keeps this person's session cookie.
 */
export async function createSharingPerson(
  request: APIRequestContext,
  { prefix = 'user', named = true, termsAccepted = false }: SharingPersonOptions = {},
): Promise<SharingPerson> {
  const person = newPerson(prefix);
  const headers = { [CSRF_HEADER]: CSRF_HEADER_VALUE };

  // The browser reads the iteration count from /api/config before it derives.
  const config = configResponseSchema.parse(await (await request.get('/api/config')).json());
  const { authKey, wrapKey } = await deriveAccountKeys(
    crypto,
    person.accountName,
    person.password,
    config.kdf.iterations,
  );
  await expectStatus(
    await request.post('/api/accounts', {
      headers,
      data: { name: person.accountName, authKey, kdfIterations: config.kdf.iterations },
    }),
    201,
  );

  const { request: activation, pkcs8 } = await activationRequest(person.accountName, wrapKey, KEY_BITS);
  recordPrivateKey(pkcs8);
  const { fingerprint } = activation;
  await expectStatus(await request.post('/api/identity', { headers, data: activation }), 201);

  if (!named) return { ...person, communityName: null, fingerprint };
  const claimed = await request.post('/api/identity/community-name', {
    headers,
    data: { communityName: newCommunityName(prefix) },
  });
  await expectStatus(claimed, 200);
  const { identity } = identityResponseSchema.parse(await claimed.json());
  expect(identity?.fingerprint).toBe(fingerprint);
  if (termsAccepted) {
    await expectStatus(
      await request.post('/api/ring/terms', { headers, data: { version: TERMS_VERSION } }),
      200,
    );
  }
  return { ...person, communityName: identity?.communityName ?? null, fingerprint };
}

/**
 * Every spec takes `test` from here (e2e/leak-scan.spec.ts checks it), so that every browser context of
 * the run is recorded for the leak check after it: what it sends, and what is typed into it.
 */
export const test = base.extend<{
  /** Makes one person per call, each with a cookie jar of their own that is thrown away afterwards. */
  makeSharingPerson: (options?: SharingPersonOptions) => Promise<SharingPerson>;
}>({
  browser: [
    async ({ browser }, use) => {
      recordEveryContext(browser);
      await use(browser);
    },
    { scope: 'worker' },
  ],
  makeSharingPerson: async ({ playwright, baseURL }, use) => {
    await use(async (options) => {
      const request = await playwright.request.newContext({ baseURL });
      try {
        return await createSharingPerson(request, options);
      } finally {
        await request.dispose();
      }
    });
  },
});

export { expect };
