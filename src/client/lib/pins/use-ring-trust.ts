import { useQueries, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { normalizeName } from '../../../shared/name-rules';
import { useWrapKey } from '../session-keys';
import { spkiFingerprintQueryOptions } from '../spki-fingerprint';
import { changePins, loadPins, pinsSnapshot, refreshPins, subscribePins } from './pin-keeper';
import {
  markVerified as markPinVerified,
  mayWriteTo as mayWriteToPins,
  pinAtAcceptance as pinOnAcceptance,
  trustOf as trustOfPins,
  type MemberTrust,
  type ServedKey,
  type WriteCheck,
} from './pin-set';
import { fetchRemotePins } from './pin-sync';

// The Ring's trust as the pages see it: for each member, the key the server serves now, checked against
// the fingerprint this browser pinned. People shows the alarm from it; Messages asks mayWriteTo before it
// encrypts anything. Fingerprints are always computed here from the served key's bytes, never taken from
// the server's `fingerprint` field.

export { checkMayWriteTo } from './pin-keeper';
export type { MemberTrust, WriteCheck } from './pin-set';

/** How often to look for pins saved by the user's other browsers; they change rarely. */
export const REMOTE_PINS_REFRESH_MS = 60_000;

export type MemberTrustView = MemberTrust & {
  /** Computed here from the served key; '' while it is being computed or for someone not in the Ring. */
  servedFingerprint: string;
};

/** `checking`: pins or keys still loading. `no_key`: not a member, or the served key could not be read. */
export type WriteAnswer = WriteCheck | { ok: false; reason: 'checking' | 'no_key'; message: string };

/** Plain function fields, so a page may pass one on by itself (e.g. `pin={trust.pinAtAcceptance}`). */
export interface RingTrust {
  /** The pins are loaded and every member's served key has been checked against them. */
  ready: boolean;
  trustOf: (name: string) => MemberTrustView;
  /** THE check before sending: no until the member's served key is the one the user trusts. */
  mayWriteTo: (name: string) => WriteAnswer;
  /** The user compared the fingerprint shown (the served key's) out of band. */
  markVerified: (name: string) => Promise<void>;
  /** The invitee presses Accept: pins the fingerprint the invite showed them. */
  pinAtAcceptance: (name: string, fingerprint: string) => Promise<void>;
  /** Members this browser pinned on first sight this session, so People can say they accepted. */
  newlyPinned: readonly string[];
  /** The wrap key is not in memory and the pins need it: changes wait to upload, or the server has newer. */
  needsUnlock: boolean;
  syncError: string | null;
}

export const remotePinsQueryKey = (accountName: string) => ['pins', accountName, 'remote'] as const;

interface Member {
  communityName: string;
  /** SubjectPublicKeyInfo DER, base64url, as served. */
  publicKey: string;
}

/**
 * Each member's served key fingerprint, computed here. `complete` once every key has been read; one that
 * cannot be read stays out of `served`, so nothing is ever written to it.
 */
function useServedKeys(members: readonly Member[] | undefined) {
  const list = members ?? [];
  const results = useQueries({
    queries: list.map((member) => spkiFingerprintQueryOptions(member.publicKey)),
  });
  const names = new Set<string>();
  const served = new Map<string, string>();
  const keys: ServedKey[] = [];
  list.forEach((member, i) => {
    const name = normalizeName(member.communityName);
    names.add(name);
    const fingerprint = results[i]?.data;
    if (fingerprint === undefined) return;
    served.set(name, fingerprint);
    keys.push({ communityName: name, fingerprint });
  });
  const complete = members !== undefined && results.every((result) => !result.isPending);
  // A string, so the effect below runs when a key changes and not on every render.
  const signature = keys.map((key) => `${key.communityName}:${key.fingerprint}`).join(',');
  return { names, served, keys, complete, signature };
}

export function useRingTrust(accountName: string, members: readonly Member[] | undefined): RingTrust {
  const wrapKey = useWrapKey();
  const subscribe = useCallback(
    (listener: () => void) => subscribePins(accountName, listener),
    [accountName],
  );
  const snapshot = useSyncExternalStore(subscribe, () => pinsSnapshot(accountName));
  const { names, served, keys, complete, signature } = useServedKeys(members);
  const checkKey = `${accountName}|${signature}`;
  const remote = useQuery({
    queryKey: remotePinsQueryKey(accountName),
    queryFn: fetchRemotePins,
    refetchInterval: REMOTE_PINS_REFRESH_MS,
    refetchOnWindowFocus: true,
    enabled: accountName !== '',
  });
  const remoteVersion = remote.isSuccess ? (remote.data?.version ?? 0) : undefined;
  const [checkedKey, setCheckedKey] = useState<string | null>(null);

  useEffect(() => {
    if (accountName !== '') loadPins(accountName).catch(() => undefined);
  }, [accountName]);

  // Checks the served keys against the pins whenever a key, the wrap key or the server's copy changes.
  useEffect(() => {
    if (accountName === '' || !complete) return;
    let current = true;
    refreshPins(accountName, keys, { wrapKey, ...(remoteVersion === undefined ? {} : { remoteVersion }) })
      .then(() => {
        if (current) setCheckedKey(checkKey);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
    // `keys` is rebuilt each render; `signature` names its content.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [checkKey, complete, wrapKey, remoteVersion]);

  const record = snapshot.record;
  const ready = record !== null && complete && checkedKey === checkKey;
  const context = { wrapKey };

  function trustOf(name: string): MemberTrustView {
    const servedFingerprint = served.get(normalizeName(name));
    if (!record || servedFingerprint === undefined) return { state: 'not_pinned', servedFingerprint: '' };
    return { ...trustOfPins(record.pins, name, servedFingerprint), servedFingerprint };
  }

  function mayWriteTo(name: string): WriteAnswer {
    const shown = normalizeName(name);
    const servedFingerprint = served.get(shown);
    if (!ready || !record) {
      return {
        ok: false,
        reason: 'checking',
        message: `Ringpost is still checking ${shown}'s key. Try again in a moment.`,
      };
    }
    if (servedFingerprint === undefined) {
      return {
        ok: false,
        reason: 'no_key',
        message: names.has(shown)
          ? `Ringpost could not read ${shown}'s key, so it cannot write to them.`
          : `${shown} is not in your Ring of Trust.`,
      };
    }
    return mayWriteToPins(record.pins, name, servedFingerprint);
  }

  async function markVerified(name: string): Promise<void> {
    const servedFingerprint = served.get(normalizeName(name));
    if (servedFingerprint === undefined) {
      throw new Error(`${normalizeName(name)}'s key is still loading. Try again in a moment.`);
    }
    await changePins(
      accountName,
      (pins, now) => markPinVerified(pins, name, servedFingerprint, now),
      context,
    );
  }

  async function pinAtAcceptance(name: string, fingerprint: string): Promise<void> {
    await changePins(accountName, (pins, now) => pinOnAcceptance(pins, name, fingerprint, now), context);
  }

  return {
    ready,
    trustOf,
    mayWriteTo,
    markVerified,
    pinAtAcceptance,
    newlyPinned: snapshot.newlyPinned,
    needsUnlock:
      wrapKey === null &&
      record !== null &&
      (record.dirty || (remoteVersion !== undefined && remoteVersion > record.version)),
    syncError: snapshot.syncError,
  };
}
