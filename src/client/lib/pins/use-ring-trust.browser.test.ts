import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { webCryptoEnv } from '../../../shared/crypto/crypto-env';
import { toBase64Url } from '../../../shared/crypto/encoding';
import { fingerprintSpki } from '../../../shared/crypto/fingerprint';
import { openPinSet } from '../../../shared/crypto/pin-blob';
import { putPinsRequestSchema, type PinBlobWire } from '../../../shared/protocol/ring';
import { DATABASE_NAME } from '../db';
import { setWrapKey } from '../session-keys';
import { emptyPinSet } from './pin-set';
import { loadLocalPins, saveLocalPins } from './pin-store';
import { localPinsFor } from './pin-sync';
import { useRingTrust, type RingTrust } from './use-ring-trust';

// Runs in Chromium: the hook as People uses it, with the app's IndexedDB, real WebCrypto and `fetch`
// answered by an in-memory copy of GET/PUT /api/ring/pins (compare-and-set on the version).

const env = webCryptoEnv(crypto);

interface Member {
  communityName: string;
  publicKey: string;
}

async function newSpki(): Promise<{ publicKey: string; fingerprint: string }> {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  return { publicKey: toBase64Url(spki), fingerprint: await fingerprintSpki(env, spki) };
}

function newWrapKey(): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', env.randomBytes(32), { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

let server: { stored: { blob: PinBlobWire; version: number } | null; puts: number };

/** apiRequest calls fetch with a path string and a JSON string body. */
function fakeFetch(path: string, init?: RequestInit): Promise<Response> {
  if (!path.endsWith('/api/ring/pins')) return Promise.resolve(new Response(null, { status: 404 }));
  if (init?.method !== 'PUT') return Promise.resolve(Response.json({ pins: server.stored }));
  server.puts++;
  const { blob, baseVersion } = putPinsRequestSchema.parse(
    JSON.parse(typeof init.body === 'string' ? init.body : 'null'),
  );
  const current = server.stored?.version ?? 0;
  if (baseVersion !== current) {
    return Promise.resolve(
      Response.json({ error: { code: 'pins_conflict', message: 'Stale.' } }, { status: 409 }),
    );
  }
  server.stored = { blob, version: current + 1 };
  return Promise.resolve(Response.json({ version: current + 1 }));
}

const roots: Root[] = [];

/** Renders the hook for `accountName` and hands back its latest answer. */
function renderTrust(accountName: string, members: readonly Member[] | undefined) {
  let latest: RingTrust | null = null;
  function Probe({ list }: { list: readonly Member[] | undefined }) {
    latest = useRingTrust(accountName, list);
    return null;
  }
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const root = createRoot(document.createElement('div'));
  roots.push(root);
  const render = (list: readonly Member[] | undefined) =>
    root.render(createElement(QueryClientProvider, { client }, createElement(Probe, { list })));
  render(members);
  return {
    get current(): RingTrust {
      if (!latest) throw new Error('not rendered yet');
      return latest;
    },
    render,
  };
}

beforeEach(() => {
  server = { stored: null, puts: 0 };
  vi.stubGlobal('fetch', fakeFetch);
});

afterEach(async () => {
  for (const root of roots.splice(0)) root.unmount();
  setWrapKey(null);
  vi.unstubAllGlobals();
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.deleteDatabase(DATABASE_NAME);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error('could not delete'));
  });
});

describe('useRingTrust', () => {
  it('pins a new member on first sight, says so once, and saves the pins to the server', async () => {
    const wrapKey = await newWrapKey();
    setWrapKey(wrapKey);
    await saveLocalPins(localPinsFor('ann', emptyPinSet()));
    const bob = await newSpki();
    const trust = renderTrust('ann', [{ communityName: 'bob', publicKey: bob.publicKey }]);

    await vi.waitFor(() => expect(trust.current.ready).toBe(true));
    expect(trust.current.trustOf('bob')).toEqual({
      state: 'trusted',
      verified: false,
      servedFingerprint: bob.fingerprint,
    });
    expect(trust.current.mayWriteTo('bob')).toEqual({ ok: true });
    expect(trust.current.newlyPinned).toEqual(['bob']);
    expect(trust.current.needsUnlock).toBe(false);
    expect(server.stored?.version).toBe(1);
    const uploaded = await openPinSet(env, { wrapKey, accountName: 'ann', blob: server.stored?.blob });
    expect(uploaded.members.bob?.fingerprint).toBe(bob.fingerprint);
  });

  it('raises the alarm when the server serves another key, until the new one is verified', async () => {
    setWrapKey(await newWrapKey());
    const bob = await newSpki();
    const swapped = await newSpki();
    const trust = renderTrust('ben', [{ communityName: 'bob', publicKey: bob.publicKey }]);
    await vi.waitFor(() => expect(trust.current.ready).toBe(true));

    trust.render([{ communityName: 'bob', publicKey: swapped.publicKey }]);
    await vi.waitFor(() => expect(trust.current.trustOf('bob').state).toBe('key_changed'));
    expect(trust.current.trustOf('bob')).toMatchObject({
      pinned: bob.fingerprint,
      served: swapped.fingerprint,
      servedFingerprint: swapped.fingerprint,
    });
    await vi.waitFor(() => expect(trust.current.ready).toBe(true));
    expect(trust.current.mayWriteTo('bob')).toEqual({
      ok: false,
      reason: 'key_changed',
      message: "bob's key has changed: compare fingerprints again before you write.",
    });
    expect((await loadLocalPins('ben'))?.pins.members.bob?.keyChanges).toHaveLength(1);

    await trust.current.markVerified('bob');
    await vi.waitFor(() =>
      expect(trust.current.trustOf('bob')).toMatchObject({ state: 'trusted', verified: true }),
    );
    expect(trust.current.mayWriteTo('bob')).toEqual({ ok: true });
    const saved = await loadLocalPins('ben');
    expect(saved?.pins.members.bob?.fingerprint).toBe(swapped.fingerprint);
    expect(saved?.dirty).toBe(false);
  });

  it('works from the local copy without the wrap key, and asks for it to save', async () => {
    const bob = await newSpki();
    const trust = renderTrust('cat', [{ communityName: 'bob', publicKey: bob.publicKey }]);
    await vi.waitFor(() => expect(trust.current.ready).toBe(true));
    expect(trust.current.mayWriteTo('bob')).toEqual({ ok: true });
    expect(trust.current.needsUnlock).toBe(true);
    expect(server.puts).toBe(0);

    setWrapKey(await newWrapKey());
    await vi.waitFor(() => expect(trust.current.needsUnlock).toBe(false));
    expect(server.stored?.version).toBe(1);
  });

  it('trusts the key pinned at acceptance, and says "not yet" while keys load', async () => {
    const dan = await newSpki();
    const trust = renderTrust('dee', undefined);
    await vi.waitFor(() =>
      expect(trust.current.mayWriteTo('dan')).toMatchObject({ ok: false, reason: 'checking' }),
    );
    await vi.waitFor(() =>
      expect(trust.current.trustOf('dan')).toEqual({ state: 'not_pinned', servedFingerprint: '' }),
    );

    await trust.current.pinAtAcceptance('dan', dan.fingerprint);
    trust.render([{ communityName: 'dan', publicKey: dan.publicKey }]);
    await vi.waitFor(() => expect(trust.current.ready).toBe(true));
    expect(trust.current.trustOf('dan')).toMatchObject({ state: 'trusted', verified: false });
    expect(trust.current.newlyPinned).toEqual([]);
  });

  it('refuses to write to a key it cannot read, or to someone outside the Ring', async () => {
    const eve = await newSpki();
    const trust = renderTrust('eli', [
      { communityName: 'bob', publicKey: 'not a key' },
      { communityName: 'eve', publicKey: eve.publicKey },
    ]);
    await vi.waitFor(() => expect(trust.current.ready).toBe(true));
    expect(trust.current.mayWriteTo('eve')).toEqual({ ok: true });
    expect(trust.current.mayWriteTo('bob')).toEqual({
      ok: false,
      reason: 'no_key',
      message: "Ringpost could not read bob's key, so it cannot write to them.",
    });
    expect(trust.current.trustOf('bob')).toEqual({ state: 'not_pinned', servedFingerprint: '' });
    expect(trust.current.mayWriteTo('zed')).toMatchObject({ ok: false, reason: 'no_key' });
  });
});
