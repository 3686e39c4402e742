import type { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { lookupResponseSchema } from '../../shared/protocol/directory';
import { errorBodySchema } from '../../shared/protocol/errors';
import type { PublishedKey } from '../../shared/protocol/ring';
import { defaultConfig } from '../config';
import { countPoolDecoys } from '../db/directory';
import {
  apiClient,
  countingDecoyKeys,
  createTestApp,
  enumerationCases,
  namedUser,
  observedAnswer,
  storeTargets,
  useTestStore,
  type NamedUser,
} from '../testing/test-app';
import { uniqueName } from '../testing/store-fixtures';

async function lookUp(client: NamedUser['client'], communityName: string): Promise<PublishedKey> {
  const response = await client.post('/api/directory/lookup', { communityName });
  expect(response.status).toBe(200);
  return lookupResponseSchema.parse(await response.json()).entry;
}

/** The key as WebCrypto reads it, which is how a browser would use it to encrypt to the name. */
async function rsaDetails(entry: PublishedKey) {
  const spki = fromBase64Url(entry.publicKey);
  const key = await crypto.subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, [
    'encrypt',
  ]);
  const algorithm = key.algorithm as webcrypto.RsaHashedKeyAlgorithm;
  return {
    modulusLength: algorithm.modulusLength,
    publicExponent: [...algorithm.publicExponent],
    fingerprint: await fingerprintSpki(crypto, spki),
  };
}

describe.each(storeTargets())('the directory on $kind', (target) => {
  const store = useTestStore(target);

  function setUp(overrides: Parameters<typeof createTestApp>[1] = {}) {
    const decoyKeys = countingDecoyKeys();
    const testApp = createTestApp(store(), overrides, { deps: { decoyKeys } });
    return { ...testApp, decoyKeys, person: (prefix: string) => namedUser(testApp, uniqueName(prefix)) };
  }

  it('requires a session and a well-formed name', async () => {
    const { app, person } = setUp();
    const anonymous = apiClient(app);
    const refused = await anonymous.post('/api/directory/lookup', { communityName: 'someone' });
    expect(refused.status).toBe(401);
    const alice = await person('alice');
    for (const body of [{ communityName: 'no' }, { communityName: 'a b c' }, { name: 'someone' }, {}]) {
      const response = await alice.client.post('/api/directory/lookup', body);
      expect(response.status).toBe(400);
      expect(errorBodySchema.parse(await response.json()).error.code).toBe('invalid_request');
    }
  });

  it('answers a claimed name with its identity’s key, however the name is typed', async () => {
    const { person } = setUp();
    const alice = await person('alice');
    const bob = await person('bob');
    expect(await lookUp(alice.client, bob.communityName.toUpperCase())).toEqual({
      communityName: bob.communityName,
      publicKey: bob.publicKey,
      fingerprint: bob.fingerprint,
      keyBits: 1024,
    });
  });

  it('answers any other name with a stable decoy: a real RSA key of the default size, e = 65537', async () => {
    const { person, decoyKeys, config } = setUp();
    const alice = await person('alice');
    const carol = await person('carol');
    const ghost = uniqueName('ghost');

    const first = await lookUp(alice.client, ghost);
    expect(first.communityName).toBe(ghost);
    expect(first.keyBits).toBe(config.keyBits);
    expect(await rsaDetails(first)).toEqual({
      modulusLength: 1024,
      publicExponent: [1, 0, 1],
      fingerprint: first.fingerprint,
    });
    // Stable: asked again, or by someone else, the name has the same key.
    expect(await lookUp(alice.client, ghost)).toEqual(first);
    expect(await lookUp(carol.client, ghost.toUpperCase())).toEqual(first);
    // Each name its own key.
    const other = await lookUp(alice.client, uniqueName('ghost'));
    expect(other.publicKey).not.toBe(first.publicKey);
    expect(other.fingerprint).not.toBe(first.fingerprint);
    // The pool was empty here, so each new name cost one key made on the spot, and repeats cost nothing.
    expect(decoyKeys.made).toBe(2);
  });

  it('takes decoys from the pool, one key per name, never one key for two names', async () => {
    const { person, decoyKeys, deps } = setUp({ decoyPoolSize: 6 });
    await deps.jobs.runNow('decoy-pool');
    expect(decoyKeys.made).toBe(6);
    expect(await countPoolDecoys(store().db, 1024)).toBe(6);
    // A full pool makes nothing more.
    await deps.jobs.runNow('decoy-pool');
    expect(decoyKeys.made).toBe(6);

    const alice = await person('alice');
    const bob = await person('bob');
    const first = await lookUp(alice.client, uniqueName('pooled'));
    expect(decoyKeys.made).toBe(6);
    expect(await countPoolDecoys(store().db, 1024)).toBe(5);
    // A real name takes its decoy from the pool too: the same work as for an unknown one.
    await lookUp(alice.client, bob.communityName);
    expect(await countPoolDecoys(store().db, 1024)).toBe(4);
    expect((await lookUp(alice.client, first.communityName)).fingerprint).toBe(first.fingerprint);
    expect(await countPoolDecoys(store().db, 1024)).toBe(4);

    // Many look-ups at once, of distinct names and of the same names repeatedly, from two accounts: more
    // names than the pool holds, so some keys come from the pool and some are made on the spot.
    const names = Array.from({ length: 10 }, () => uniqueName('race'));
    const answers = await Promise.all(
      [...names, ...names, ...names].map((name, i) =>
        lookUp(i % 2 === 0 ? alice.client : bob.client, name).then((entry) => ({ name, entry })),
      ),
    );
    const byName = new Map<string, Set<string>>();
    for (const { name, entry } of answers) {
      byName.set(name, (byName.get(name) ?? new Set()).add(entry.fingerprint));
    }
    for (const [name, fingerprints] of byName) expect(fingerprints.size, name).toBe(1);
    const fingerprints = [...byName.values()].map((set) => [...set][0]);
    expect(new Set(fingerprints).size).toBe(names.length);
    expect(await countPoolDecoys(store().db, 1024)).toBe(0);

    // In the table, too: every assigned key names one name, and no name has two keys.
    const rows = await store()
      .db.selectFrom('decoy_keys')
      .select(['fingerprint', 'assigned_name'])
      .where('assigned_name', 'in', names)
      .execute();
    expect(rows).toHaveLength(names.length);
    expect(new Set(rows.map((row) => row.assigned_name)).size).toBe(names.length);
  });

  it('still answers when the pool is empty, making the decoy on the spot', async () => {
    const { person, decoyKeys } = setUp({ decoyPoolSize: 0 });
    const alice = await person('alice');
    const before = decoyKeys.made;
    const entry = await lookUp(alice.client, uniqueName('empty'));
    expect(decoyKeys.made).toBe(before + 1);
    expect((await rsaDetails(entry)).modulusLength).toBe(1024);
  });

  it('rate-limits look-ups per account with 429 and Retry-After', async () => {
    const { person, clock } = setUp({
      rateLimits: { ...defaultConfig().rateLimits, lookupsPerAccount: { limit: 2, windowMs: 60_000 } },
    });
    const alice = await person('alice');
    const bob = await person('bob');
    await lookUp(alice.client, 'first-name');
    await lookUp(alice.client, 'second-name');
    const limited = await alice.client.post('/api/directory/lookup', { communityName: 'first-name' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    expect(errorBodySchema.parse(await limited.json()).error.code).toBe('rate_limited');
    await lookUp(bob.client, 'first-name');
    await clock.advance(60_000);
    await lookUp(alice.client, 'first-name');
  });

  describe('the enumeration rule', () => {
    it('answers a real, unknown, declined, already invited, member or own name alike', async () => {
      const testApp = setUp();
      const { caller, cases } = await enumerationCases(testApp);
      const normalize = (body: string, name: string) =>
        body
          .replaceAll(name, '<name>')
          .replace(/"publicKey":"[A-Za-z0-9_-]+"/, '"publicKey":"<key>"')
          .replace(/"fingerprint":"[0-9a-f]{64}"/, '"fingerprint":"<fingerprint>"');
      const answers: Record<string, Awaited<ReturnType<typeof observedAnswer>>> = {};
      for (const [label, name] of Object.entries(cases)) {
        const response = await caller.client.post('/api/directory/lookup', { communityName: name });
        answers[label] = await observedAnswer(response, (body) => normalize(body, name));
      }
      const expected = answers.real;
      expect(expected?.status).toBe(200);
      for (const [label, answer] of Object.entries(answers)) expect(answer, label).toEqual(expected);
      expect(JSON.parse(expected?.body ?? '')).toEqual({
        entry: { communityName: '<name>', publicKey: '<key>', fingerprint: '<fingerprint>', keyBits: 1024 },
      });
    });
  });
});
