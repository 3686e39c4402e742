import { CryptoError } from '../../../shared/crypto/crypto-error';
import { isFingerprint } from '../../../shared/crypto/fingerprint';
import {
  PIN_RECORD_MAX_KEY_CHANGES,
  type KeyChange,
  type PinRecord,
  type PinSet,
} from '../../../shared/crypto/pin-blob';
import { normalizeName } from '../../../shared/name-rules';

// What this browser trusts for each Ring member (DESIGN §1.4). The server is not trusted to hand out keys:
// a member's fingerprint is pinned when the invite is accepted (or, for the inviter, when the member is
// first seen), and every key served later is checked against the pin. A different key raises the alarm,
// and writing to that member stays refused until the user has compared the new fingerprint out of band.
//
// Every function is pure and returns a new set, so React state and IndexedDB copies never change under
// anyone's feet; the clock is a parameter so tests can drive it.

export type { KeyChange, PinRecord, PinSet } from '../../../shared/crypto/pin-blob';

export function emptyPinSet(): PinSet {
  return { v: 1, members: {} };
}

/** The pin of `name`, if any. Own properties only: a member may be called "constructor". */
export function pinOf(pins: PinSet, name: string): PinRecord | null {
  const key = normalizeName(name);
  return Object.hasOwn(pins.members, key) ? (pins.members[key] ?? null) : null;
}

function withPin(pins: PinSet, name: string, record: PinRecord): PinSet {
  return { v: 1, members: { ...pins.members, [normalizeName(name)]: record } };
}

function requireFingerprint(fingerprint: string): void {
  if (!isFingerprint(fingerprint)) {
    throw new CryptoError('invalid_fingerprint', 'A fingerprint is 64 lowercase hex digits.');
  }
}

function firstSight(fingerprint: string, now: number): PinRecord {
  return { fingerprint, pinnedAt: now, verifiedAt: null, updatedAt: now, keyChanges: [] };
}

/** Oldest first; at most the newest PIN_RECORD_MAX_KEY_CHANGES, which is all a blob may hold. */
function boundedChanges(changes: KeyChange[]): KeyChange[] {
  const sorted = [...changes].sort(
    (a, b) => a.detectedAt - b.detectedAt || a.fingerprint.localeCompare(b.fingerprint),
  );
  return sorted.slice(-PIN_RECORD_MAX_KEY_CHANGES);
}

/**
 * The invitee pins the fingerprint they were shown (and asked to compare) when they press Accept, before
 * the server is told, so the key accepted is the key trusted. An existing pin is kept: if the member comes
 * back with another key, that is exactly what the alarm is for.
 */
export function pinAtAcceptance(pins: PinSet, name: string, fingerprint: string, now: number): PinSet {
  requireFingerprint(fingerprint);
  if (pinOf(pins, name)) return pins;
  return withPin(pins, name, firstSight(fingerprint, now));
}

export interface ServedKey {
  communityName: string;
  /** Computed in this browser from the served SPKI; never the server's own `fingerprint` field. */
  fingerprint: string;
}

export interface Reconciled {
  pins: PinSet;
  /** Whether `pins` differs from the set passed in (and so needs saving). */
  changed: boolean;
  /** Members pinned just now, on first sight. */
  newlyPinned: string[];
}

/**
 * Checks the keys the server serves for the members against the pins. A member with no pin is pinned on
 * first sight (the inviter's side: they never saw an invite to compare). A differing key is recorded once
 * while it stays unresolved, so a poll every few seconds does not fill the record.
 */
export function reconcilePins(pins: PinSet, served: readonly ServedKey[], now: number): Reconciled {
  let next = pins;
  const newlyPinned: string[] = [];
  for (const { communityName, fingerprint } of served) {
    requireFingerprint(fingerprint);
    const name = normalizeName(communityName);
    const record = pinOf(next, name);
    if (!record) {
      next = withPin(next, name, firstSight(fingerprint, now));
      newlyPinned.push(name);
    } else if (
      record.fingerprint !== fingerprint &&
      !record.keyChanges.some((change) => change.fingerprint === fingerprint && change.resolvedAt === null)
    ) {
      next = withPin(next, name, {
        ...record,
        updatedAt: now,
        keyChanges: boundedChanges([
          ...record.keyChanges,
          { fingerprint, detectedAt: now, resolvedAt: null },
        ]),
      });
    }
  }
  return { pins: next, changed: next !== pins, newlyPinned };
}

/**
 * The user compared `servedFingerprint` with its owner out of band: it becomes the pin, verified now. The
 * key changes it answers are resolved and kept; a change to some other key stays open, as the user never
 * vouched for that one.
 */
export function markVerified(pins: PinSet, name: string, servedFingerprint: string, now: number): PinSet {
  requireFingerprint(servedFingerprint);
  const record = pinOf(pins, name);
  const changes = record?.keyChanges ?? [];
  const resolved = changes.map((change) =>
    change.fingerprint === servedFingerprint && change.resolvedAt === null
      ? { ...change, resolvedAt: now }
      : change,
  );
  const keyChanged = record !== null && record.fingerprint !== servedFingerprint;
  // A key verified before any poll noticed it still changed the pin: the record keeps that event too.
  if (keyChanged && !changes.some((change) => change.fingerprint === servedFingerprint)) {
    resolved.push({ fingerprint: servedFingerprint, detectedAt: now, resolvedAt: now });
  }
  return withPin(pins, name, {
    fingerprint: servedFingerprint,
    pinnedAt: record && !keyChanged ? record.pinnedAt : now,
    verifiedAt: now,
    updatedAt: now,
    keyChanges: boundedChanges(resolved),
  });
}

export type MemberTrust =
  | { state: 'trusted'; verified: boolean }
  | { state: 'key_changed'; pinned: string; served: string; detectedAt: number }
  | { state: 'not_pinned' };

/** How far the key served for `name` can be trusted. */
export function trustOf(pins: PinSet, name: string, servedFingerprint: string): MemberTrust {
  requireFingerprint(servedFingerprint);
  const record = pinOf(pins, name);
  if (!record) return { state: 'not_pinned' };
  if (record.fingerprint === servedFingerprint) {
    return { state: 'trusted', verified: record.verifiedAt !== null };
  }
  const change = record.keyChanges.find(
    (entry) => entry.fingerprint === servedFingerprint && entry.resolvedAt === null,
  );
  return {
    state: 'key_changed',
    pinned: record.fingerprint,
    served: servedFingerprint,
    // Before reconcilePins has recorded the change, the best answer is when the record last changed.
    detectedAt: change?.detectedAt ?? record.updatedAt,
  };
}

export type WriteCheck = { ok: true } | { ok: false; reason: 'not_pinned' | 'key_changed'; message: string };

/**
 * The one check before anything is encrypted to a member: only to the key the user trusts. Messaging calls
 * it with the fingerprint of the very key it is about to encrypt to.
 */
export function mayWriteTo(pins: PinSet, name: string, servedFingerprint: string): WriteCheck {
  const trust = trustOf(pins, name, servedFingerprint);
  const shown = normalizeName(name);
  switch (trust.state) {
    case 'trusted':
      return { ok: true };
    case 'key_changed':
      return {
        ok: false,
        reason: 'key_changed',
        message: `${shown}'s key has changed: compare fingerprints again before you write.`,
      };
    case 'not_pinned':
      return {
        ok: false,
        reason: 'not_pinned',
        message: `Ringpost has no fingerprint you trusted for ${shown} yet: open People and compare fingerprints before you write.`,
      };
  }
}

function changeKey(change: KeyChange): string {
  return `${change.fingerprint}:${change.detectedAt}`;
}

/** The same event seen by two browsers is one entry; once either resolved it, it is resolved. */
function unionChanges(...lists: (readonly KeyChange[])[]): KeyChange[] {
  const byKey = new Map<string, KeyChange>();
  for (const change of lists.flat()) {
    const key = changeKey(change);
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...change, resolvedAt: firstTime(seen.resolvedAt, change.resolvedAt) } : change);
  }
  return [...byKey.values()];
}

/** The earlier of two times, where null means "not yet". */
function firstTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** The later of two times, where null means "never". */
function lastTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** `a`'s pin was explicitly verified after `b`'s was taken. */
function supersedes(a: PinRecord, b: PinRecord): boolean {
  return a.verifiedAt !== null && a.verifiedAt > b.pinnedAt;
}

/** Which of two different pins for one member both browsers keep; the same answer whichever asks. */
function winnerOf(a: PinRecord, b: PinRecord): [winner: PinRecord, loser: PinRecord] {
  const aWins = supersedes(a, b);
  const bWins = supersedes(b, a);
  let order: number;
  if (aWins && bWins) order = (b.verifiedAt ?? 0) - (a.verifiedAt ?? 0);
  else if (aWins || bWins) order = aWins ? -1 : 1;
  // Neither was vouched for after the other: the earlier pin stands, so a later first-sight pin (a server
  // serving one browser another key) can never quietly replace it.
  else order = a.pinnedAt - b.pinnedAt;
  if (order === 0) order = a.fingerprint < b.fingerprint ? -1 : 1;
  return order < 0 ? [a, b] : [b, a];
}

function mergeRecords(a: PinRecord, b: PinRecord): PinRecord {
  if (a.fingerprint === b.fingerprint) {
    return {
      fingerprint: a.fingerprint,
      pinnedAt: Math.min(a.pinnedAt, b.pinnedAt),
      verifiedAt: lastTime(a.verifiedAt, b.verifiedAt),
      updatedAt: Math.max(a.updatedAt, b.updatedAt),
      keyChanges: unionChanges(a.keyChanges, b.keyChanges),
    };
  }
  const [winner, loser] = winnerOf(a, b);
  // The other browser first saw a different key after this pin was taken, and nobody vouched for it:
  // that is a key change, and the record keeps it as one.
  const evidence: KeyChange[] =
    loser.verifiedAt === null && loser.pinnedAt > winner.pinnedAt
      ? [{ fingerprint: loser.fingerprint, detectedAt: loser.pinnedAt, resolvedAt: null }]
      : [];
  return {
    ...winner,
    updatedAt: Math.max(a.updatedAt, b.updatedAt),
    keyChanges: unionChanges(a.keyChanges, b.keyChanges, evidence),
  };
}

/** A change to the key that is now the pin is answered by the pin itself. */
function settled(record: PinRecord): PinRecord {
  const settledAt = record.verifiedAt ?? record.pinnedAt;
  return {
    ...record,
    keyChanges: boundedChanges(
      record.keyChanges.map((change) =>
        change.fingerprint === record.fingerprint && change.resolvedAt === null
          ? { ...change, resolvedAt: settledAt }
          : change,
      ),
    ),
  };
}

/**
 * Combines the pins of two browsers of one account. The result does not depend on the order of the
 * arguments, so every browser converges on the same set. Members present in one only are kept, and so
 * are the pins of removed members: names never change, and a member re-added with another key must
 * raise the alarm.
 */
export function mergePinSets(a: PinSet, b: PinSet): PinSet {
  const members: Record<string, PinRecord> = {};
  const names = new Set([...Object.keys(a.members), ...Object.keys(b.members)]);
  for (const name of [...names].sort()) {
    const left = pinOf(a, name);
    const right = pinOf(b, name);
    const record = left && right ? mergeRecords(left, right) : (left ?? right);
    if (record) members[name] = settled(record);
  }
  return { v: 1, members };
}

function canonical(pins: PinSet): string {
  return JSON.stringify(
    Object.entries(pins.members)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, record]) => [
        name,
        record.fingerprint,
        record.pinnedAt,
        record.verifiedAt,
        record.updatedAt,
        boundedChanges(record.keyChanges).map((change) => [
          change.fingerprint,
          change.detectedAt,
          change.resolvedAt,
        ]),
      ]),
  );
}

/** Whether two sets hold the same pins, whatever order their members and key changes are in. */
export function pinSetsEqual(a: PinSet, b: PinSet): boolean {
  return a === b || canonical(a) === canonical(b);
}
