import { beforeEach, describe, expect, it } from 'vitest';
import { webCryptoEnv } from '../../../shared/crypto/crypto-env';
import { openPinSet, sealPinSet, type PinBlobV1 } from '../../../shared/crypto/pin-blob';
import { pinBlobSchema } from '../../../shared/protocol/ring';
import { ApiRequestError } from '../api-client';
import {
  emptyPinSet,
  markVerified,
  mayWriteTo,
  pinAtAcceptance,
  pinSetsEqual,
  reconcilePins,
  type PinSet,
} from './pin-set';
import { localPinsFor, syncPins, type FetchRemotePins, type LocalPins, type PutRemotePins } from './pin-sync';

const env = webCryptoEnv(globalThis.crypto);
const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const C = 'cc'.repeat(32);

/** Non-extractable AES-256-GCM, as deriveAccountKeys makes the wrap key (without 600,000 iterations). */
function newWrapKey(): Promise<CryptoKey> {
  return env.subtle.importKey('raw', env.randomBytes(32), { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

/**
 * The server's rule for GET/PUT /api/ring/pins, in memory: the blob is checked against the wire schema and
 * stored opaque, and a write whose base version is not the current one is refused with 'pins_conflict'.
 */
class FakePinServer {
  stored: { blob: PinBlobV1; version: number } | null = null;
  gets = 0;
  puts = 0;
  /** Runs inside a PUT before the version check: another browser writing at that very moment. */
  meanwhile: (() => Promise<void>) | null = null;

  fetchRemote: FetchRemotePins = () => {
    this.gets++;
    return Promise.resolve(this.stored && structuredClone(this.stored));
  };

  putRemote: PutRemotePins = async ({ blob, baseVersion }) => {
    this.puts++;
    const meanwhile = this.meanwhile;
    if (meanwhile) {
      this.meanwhile = null;
      await meanwhile();
    }
    const wire = pinBlobSchema.parse(JSON.parse(JSON.stringify(blob)));
    const current = this.stored?.version ?? 0;
    if (baseVersion !== current) {
      throw new ApiRequestError(409, 'pins_conflict', 'Your pins changed in another browser.');
    }
    this.stored = { blob: wire, version: current + 1 };
    return { version: this.stored.version };
  };
}

/** One browser of account "alice": its local copy, and a sync like the app's. */
class Browser {
  local: LocalPins = localPinsFor('alice', emptyPinSet());
  constructor(
    readonly server: FakePinServer,
    readonly wrapKey: CryptoKey,
  ) {}

  change(edit: (pins: PinSet) => PinSet): void {
    this.local = { ...this.local, pins: edit(this.local.pins), dirty: true };
  }

  async sync(attempts?: number): Promise<LocalPins> {
    this.local = await syncPins({
      accountName: 'alice',
      wrapKey: this.wrapKey,
      local: this.local,
      fetchRemote: this.server.fetchRemote,
      putRemote: this.server.putRemote,
      env,
      ...(attempts === undefined ? {} : { attempts }),
    });
    return this.local;
  }
}

async function serverSet(server: FakePinServer, wrapKey: CryptoKey): Promise<PinSet | null> {
  return server.stored && openPinSet(env, { wrapKey, accountName: 'alice', blob: server.stored.blob });
}

describe('syncPins', () => {
  let server: FakePinServer;
  let wrapKey: CryptoKey;
  let laptop: Browser;
  let phone: Browser;

  beforeEach(async () => {
    server = new FakePinServer();
    wrapKey = await newWrapKey();
    laptop = new Browser(server, wrapKey);
    phone = new Browser(server, wrapKey);
  });

  it('uploads the first pins, sealed, and comes back clean at the server version', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    const synced = await laptop.sync();
    expect(synced).toEqual({ accountName: 'alice', pins: laptop.local.pins, version: 1, dirty: false });
    expect(server.stored?.version).toBe(1);
    expect(JSON.stringify(server.stored)).not.toContain(A);
    expect(await serverSet(server, wrapKey)).toEqual(synced.pins);
  });

  it('leaves the server alone when there is nothing to say', async () => {
    expect(await laptop.sync()).toEqual(localPinsFor('alice', emptyPinSet()));
    expect(server.puts).toBe(0);

    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    const before = server.stored;
    await laptop.sync();
    expect(server.puts).toBe(1);
    expect(server.stored).toBe(before);
  });

  it("brings another browser's pins in without writing them back", async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    const synced = await phone.sync();
    expect(synced.pins).toEqual(laptop.local.pins);
    expect(synced.version).toBe(1);
    expect(server.puts).toBe(1);
  });

  it('merges pins made in two browsers, and both end with the same set', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    phone.change((pins) => pinAtAcceptance(pins, 'carol', B, 200));
    await phone.sync();
    expect(Object.keys(phone.local.pins.members)).toEqual(['bob', 'carol']);
    expect(phone.local.version).toBe(2);

    await laptop.sync();
    expect(pinSetsEqual(laptop.local.pins, phone.local.pins)).toBe(true);
    expect(laptop.local).toMatchObject({ version: 2, dirty: false });
    expect(server.puts).toBe(2);
  });

  it('uploads changes made while the wrap key was away, at the same version', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    laptop.change((pins) => markVerified(pins, 'bob', A, 150));
    expect(await laptop.sync()).toMatchObject({ version: 2, dirty: false });
    expect((await serverSet(server, wrapKey))?.members.bob?.verifiedAt).toBe(150);
  });

  it('carries the alarm to the other browsers, and the verification that ends it', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    await phone.sync();

    laptop.change((pins) => reconcilePins(pins, [{ communityName: 'bob', fingerprint: B }], 200).pins);
    await laptop.sync();
    await phone.sync();
    expect(mayWriteTo(phone.local.pins, 'bob', B)).toMatchObject({ ok: false, reason: 'key_changed' });

    phone.change((pins) => markVerified(pins, 'bob', B, 300));
    await phone.sync();
    await laptop.sync();
    expect(mayWriteTo(laptop.local.pins, 'bob', B)).toEqual({ ok: true });
    expect(laptop.local.pins.members.bob?.keyChanges).toEqual([
      { fingerprint: B, detectedAt: 200, resolvedAt: 300 },
    ]);
  });

  it('keeps an earlier pin when a new browser pinned a different key on first sight', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    // The phone was shown another key before it had read the server's pins.
    phone.change((pins) => reconcilePins(pins, [{ communityName: 'bob', fingerprint: C }], 500).pins);
    await phone.sync();
    expect(phone.local.pins.members.bob?.fingerprint).toBe(A);
    expect(mayWriteTo(phone.local.pins, 'bob', C)).toMatchObject({ ok: false, reason: 'key_changed' });
  });

  it('when another browser saves first, reads again, merges and retries', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    await phone.sync();

    laptop.change((pins) => pinAtAcceptance(pins, 'carol', B, 200));
    phone.change((pins) => pinAtAcceptance(pins, 'dave', C, 300));
    // The phone saves between the laptop's read and its write.
    server.meanwhile = async () => {
      await phone.sync();
    };
    const synced = await laptop.sync();
    expect(synced).toMatchObject({ version: 3, dirty: false });
    expect(Object.keys(synced.pins.members)).toEqual(['bob', 'carol', 'dave']);
    expect(await serverSet(server, wrapKey)).toEqual(synced.pins);
    expect(server.puts).toBe(4);
  });

  it('gives up after a bounded number of refusals, leaving the local copy dirty for later', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    let rivals = 0;
    const rival = async () => {
      rivals++;
      const blob = await sealPinSet(env, { wrapKey, accountName: 'alice', pins: emptyPinSet() });
      server.stored = { blob, version: (server.stored?.version ?? 0) + 1 };
      server.meanwhile = rival;
    };
    server.meanwhile = rival;
    const before = laptop.local;
    await expect(laptop.sync()).rejects.toMatchObject({ code: 'pins_conflict' });
    expect(server.puts).toBe(3);
    expect(rivals).toBe(3);
    expect(laptop.local).toBe(before);
    expect(laptop.local.dirty).toBe(true);
  });

  it('never overwrites a server blob it cannot open', async () => {
    const stranger = await newWrapKey();
    const blob = await sealPinSet(env, {
      wrapKey: stranger,
      accountName: 'alice',
      pins: pinAtAcceptance(emptyPinSet(), 'bob', B, 50),
    });
    server.stored = { blob, version: 4 };
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await expect(laptop.sync()).rejects.toMatchObject({ code: 'pins_unopenable' });
    expect(server.puts).toBe(0);
    expect(server.stored).toEqual({ blob, version: 4 });

    // Nor one sealed for another account with the same key.
    server.stored = {
      blob: await sealPinSet(env, { wrapKey, accountName: 'mallory', pins: emptyPinSet() }),
      version: 5,
    };
    await expect(laptop.sync()).rejects.toMatchObject({ code: 'pins_unopenable' });
    expect(server.puts).toBe(0);
  });

  it('repairs a server that went back to an older version', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    await laptop.sync();
    const old = server.stored;
    laptop.change((pins) => pinAtAcceptance(pins, 'carol', B, 200));
    await laptop.sync();
    expect(laptop.local.version).toBe(2);

    server.stored = old;
    const synced = await laptop.sync();
    expect(synced.version).toBe(2);
    expect(Object.keys((await serverSet(server, wrapKey))?.members ?? {})).toEqual(['bob', 'carol']);

    server.stored = null;
    expect((await laptop.sync()).version).toBe(1);
    expect(Object.keys((await serverSet(server, wrapKey))?.members ?? {})).toEqual(['bob', 'carol']);
  });

  it('passes other failures straight to the caller without retrying', async () => {
    laptop.change((pins) => pinAtAcceptance(pins, 'bob', A, 100));
    server.putRemote = () => Promise.reject(new ApiRequestError(0, 'network', 'offline'));
    await expect(laptop.sync()).rejects.toMatchObject({ code: 'network' });
    expect(server.gets).toBe(1);
  });
});
