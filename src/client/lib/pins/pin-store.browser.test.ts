import { afterEach, describe, expect, it } from 'vitest';
import { webCryptoEnv } from '../../../shared/crypto/crypto-env';
import { fromBase64Url, toBase64Url } from '../../../shared/crypto/encoding';
import { openPinSet, type PinBlobV1 } from '../../../shared/crypto/pin-blob';
import { TEST_RSA_1024_FINGERPRINT, TEST_RSA_1024_SPKI_BASE64 } from '../../../shared/crypto/test-vectors';
import { ApiRequestError } from '../api-client';
import { DATABASE_NAME, ringpostDb } from '../db';
import { changePins, checkMayWriteTo, pinsSnapshot, refreshPins, type PinRemote } from './pin-keeper';
import { markVerified, mayWriteTo, pinAtAcceptance } from './pin-set';
import { loadLocalPins, saveLocalPins } from './pin-store';
import { localPinsFor } from './pin-sync';

// Runs in Chromium: the pins live in the app's real IndexedDB, and the keeper is driven as People drives
// it, with an in-memory stand-in for the server's compare-and-set rule.

const env = webCryptoEnv(crypto);
const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const SPKI = toBase64Url(Uint8Array.from(atob(TEST_RSA_1024_SPKI_BASE64), (c) => c.charCodeAt(0)));

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error('could not delete'));
  });
}

function newWrapKey(): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', env.randomBytes(32), { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

/** The server's compare-and-set rule for the pins, in memory. */
class FakeServer {
  stored: { blob: PinBlobV1; version: number } | null = null;
  puts = 0;
  readonly remote: PinRemote = {
    fetchRemote: () => Promise.resolve(this.stored),
    putRemote: ({ blob, baseVersion }) => {
      this.puts++;
      const current = this.stored?.version ?? 0;
      if (baseVersion !== current) {
        return Promise.reject(new ApiRequestError(409, 'pins_conflict', 'Stale.'));
      }
      this.stored = { blob, version: current + 1 };
      return Promise.resolve({ version: current + 1 });
    },
  };
}

afterEach(async () => {
  await deleteDatabase(DATABASE_NAME);
});

describe('the local pin store', () => {
  it('keeps one copy per account and reads it back checked', async () => {
    expect(await loadLocalPins('alice')).toBeNull();
    const record = {
      ...localPinsFor('alice', pinAtAcceptance({ v: 1, members: {} }, 'bob', A, 1)),
      version: 3,
    };
    await saveLocalPins(record);
    await saveLocalPins(localPinsFor('carol', { v: 1, members: {} }));
    expect(await loadLocalPins('alice')).toEqual(record);
    expect(await loadLocalPins('carol')).toEqual(localPinsFor('carol', { v: 1, members: {} }));
  });

  it('fails loudly on a corrupt copy rather than forgetting the pins', async () => {
    const bad = { ...localPinsFor('alice', { v: 1, members: {} }), pins: { v: 1, members: { bob: A } } };
    await (await ringpostDb()).put('pins', bad as unknown as ReturnType<typeof localPinsFor>);
    await expect(loadLocalPins('alice')).rejects.toMatchObject({ code: 'pins_malformed' });
  });
});

describe('the pin keeper', () => {
  it('pins on first sight without the wrap key, and uploads once it is back', async () => {
    const server = new FakeServer();
    const served = [{ communityName: 'bob', fingerprint: A }];
    await refreshPins('dora', served, { wrapKey: null, remote: server.remote, remoteVersion: 0 });
    expect(await loadLocalPins('dora')).toMatchObject({ version: 0, dirty: true });
    // A first look in this browser: bob is new here, not new to the account.
    expect(pinsSnapshot('dora').newlyPinned).toEqual([]);
    expect(server.puts).toBe(0);

    await refreshPins('dora', [...served, { communityName: 'carol', fingerprint: B }], {
      wrapKey: null,
      remote: server.remote,
      remoteVersion: 0,
    });
    expect(pinsSnapshot('dora').newlyPinned).toEqual(['carol']);

    const wrapKey = await newWrapKey();
    const record = await refreshPins('dora', served, { wrapKey, remote: server.remote, remoteVersion: 0 });
    expect(record).toMatchObject({ version: 1, dirty: false });
    expect(await loadLocalPins('dora')).toEqual(record);
    const uploaded = await openPinSet(env, { wrapKey, accountName: 'dora', blob: server.stored?.blob });
    expect(Object.keys(uploaded.members)).toEqual(['bob', 'carol']);
  });

  it('does not pin on first sight while the server holds pins it cannot read yet', async () => {
    const server = new FakeServer();
    await refreshPins('erin', [{ communityName: 'bob', fingerprint: A }], {
      wrapKey: null,
      remote: server.remote,
    });
    const record = await refreshPins('erin', [{ communityName: 'carol', fingerprint: B }], {
      wrapKey: null,
      remote: server.remote,
      remoteVersion: 2,
    });
    expect(Object.keys(record.pins.members)).toEqual(['bob']);
    // A changed key is still caught against the pins it has.
    const changed = await refreshPins('erin', [{ communityName: 'bob', fingerprint: B }], {
      wrapKey: null,
      remote: server.remote,
      remoteVersion: 2,
    });
    expect(mayWriteTo(changed.pins, 'bob', B)).toMatchObject({ ok: false, reason: 'key_changed' });
  });

  it('keeps the alarm across reloads until the new key is verified', async () => {
    const server = new FakeServer();
    const wrapKey = await newWrapKey();
    const context = { wrapKey, remote: server.remote };
    await changePins('fay', (pins, now) => pinAtAcceptance(pins, 'bob', A, now), context);
    await refreshPins('fay', [{ communityName: 'bob', fingerprint: B }], context);
    const saved = await loadLocalPins('fay');
    expect(saved?.pins.members.bob?.keyChanges).toHaveLength(1);
    expect(mayWriteTo(saved?.pins ?? { v: 1, members: {} }, 'bob', B)).toMatchObject({ ok: false });

    await changePins('fay', (pins, now) => markVerified(pins, 'bob', B, now), context);
    const verified = await loadLocalPins('fay');
    expect(verified).toMatchObject({ dirty: false, version: server.stored?.version });
    expect(mayWriteTo(verified?.pins ?? { v: 1, members: {} }, 'bob', B)).toEqual({ ok: true });
  });

  it('reports a blob it cannot open, and leaves it on the server', async () => {
    const server = new FakeServer();
    const other = new FakeServer();
    await changePins('gil', (pins, now) => pinAtAcceptance(pins, 'bob', A, now), {
      wrapKey: await newWrapKey(),
      remote: other.remote,
    });
    // Newer than the copy here, so it must be opened; sealed under another password.
    server.stored = other.stored && { ...other.stored, version: 5 };
    const before = server.stored;
    await refreshPins('gil', [{ communityName: 'bob', fingerprint: A }], {
      wrapKey: await newWrapKey(),
      remote: server.remote,
    });
    expect(pinsSnapshot('gil').syncError).toMatch(/do not open with this password/);
    expect(server.stored).toBe(before);
    expect(server.puts).toBe(0);
  });

  it('checks a key outside React from its bytes, and records a change it finds', async () => {
    expect(fromBase64Url(SPKI)).toHaveLength(162);
    expect(await checkMayWriteTo('hal', 'bob', SPKI)).toMatchObject({ ok: false, reason: 'not_pinned' });
    await changePins('hal', (pins, now) => pinAtAcceptance(pins, 'bob', TEST_RSA_1024_FINGERPRINT, now), {
      wrapKey: null,
    });
    expect(await checkMayWriteTo('hal', 'bob', SPKI)).toEqual({ ok: true });

    await changePins('hal', (pins, now) => pinAtAcceptance(pins, 'carol', A, now), { wrapKey: null });
    expect(await checkMayWriteTo('hal', 'carol', SPKI)).toMatchObject({ ok: false, reason: 'key_changed' });
    expect((await loadLocalPins('hal'))?.pins.members.carol?.keyChanges).toEqual([
      { fingerprint: TEST_RSA_1024_FINGERPRINT, detectedAt: expect.any(Number) as number, resolvedAt: null },
    ]);
  });
});
