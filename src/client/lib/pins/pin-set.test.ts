import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePinSet, PIN_RECORD_MAX_KEY_CHANGES } from '../../../shared/crypto/pin-blob';
import {
  emptyPinSet,
  markVerified,
  mayWriteTo,
  mergePinSets,
  pinAtAcceptance,
  pinOf,
  pinSetsEqual,
  reconcilePins,
  trustOf,
  type PinRecord,
  type PinSet,
} from './pin-set';

const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const C = 'cc'.repeat(32);

const record = (fingerprint: string, pinnedAt: number, overrides: Partial<PinRecord> = {}): PinRecord => ({
  fingerprint,
  pinnedAt,
  verifiedAt: null,
  updatedAt: pinnedAt,
  keyChanges: [],
  ...overrides,
});

const setOf = (members: Record<string, PinRecord>): PinSet => ({ v: 1, members });

describe('pinAtAcceptance', () => {
  it('pins the fingerprint shown in the invite, unverified, under the normalized name', () => {
    const pins = pinAtAcceptance(emptyPinSet(), ' Bob ', A, 100);
    expect(pins.members).toEqual({ bob: record(A, 100) });
    expect(trustOf(pins, 'bob', A)).toEqual({ state: 'trusted', verified: false });
  });

  it('never overwrites an existing pin', () => {
    const pins = pinAtAcceptance(emptyPinSet(), 'bob', A, 100);
    expect(pinAtAcceptance(pins, 'bob', B, 200)).toBe(pins);
  });

  it('refuses something that is not a fingerprint', () => {
    expect(() => pinAtAcceptance(emptyPinSet(), 'bob', A.toUpperCase(), 100)).toThrow(
      expect.objectContaining({ code: 'invalid_fingerprint' }),
    );
  });

  it('does not mistake inherited properties for pins', () => {
    expect(pinOf(emptyPinSet(), 'constructor')).toBeNull();
    const pins = pinAtAcceptance(emptyPinSet(), 'constructor', A, 100);
    expect(pinOf(pins, 'constructor')).toEqual(record(A, 100));
  });
});

describe('reconcilePins', () => {
  it('pins members without a pin on first sight and reports them', () => {
    const result = reconcilePins(
      emptyPinSet(),
      [
        { communityName: 'bob', fingerprint: A },
        { communityName: 'carol', fingerprint: B },
      ],
      100,
    );
    expect(result.changed).toBe(true);
    expect(result.newlyPinned).toEqual(['bob', 'carol']);
    expect(result.pins.members).toEqual({ bob: record(A, 100), carol: record(B, 100) });
  });

  it('changes nothing when every served key matches its pin', () => {
    const pins = pinAtAcceptance(emptyPinSet(), 'bob', A, 100);
    const result = reconcilePins(pins, [{ communityName: 'bob', fingerprint: A }], 200);
    expect(result).toEqual({ pins, changed: false, newlyPinned: [] });
    expect(result.pins).toBe(pins);
  });

  it('records a different key once, not on every poll, and keeps the pin', () => {
    const pins = pinAtAcceptance(emptyPinSet(), 'bob', A, 100);
    const first = reconcilePins(pins, [{ communityName: 'bob', fingerprint: B }], 200);
    expect(first.changed).toBe(true);
    expect(first.newlyPinned).toEqual([]);
    expect(first.pins.members.bob).toEqual(
      record(A, 100, { updatedAt: 200, keyChanges: [{ fingerprint: B, detectedAt: 200, resolvedAt: null }] }),
    );
    const again = reconcilePins(first.pins, [{ communityName: 'bob', fingerprint: B }], 300);
    expect(again.changed).toBe(false);
    expect(again.pins).toBe(first.pins);

    const third = reconcilePins(again.pins, [{ communityName: 'bob', fingerprint: C }], 400);
    expect(third.pins.members.bob?.keyChanges.map((change) => change.fingerprint)).toEqual([B, C]);
  });

  it('keeps at most the newest key changes a blob can hold', () => {
    let pins = pinAtAcceptance(emptyPinSet(), 'bob', A, 0);
    for (let i = 1; i <= PIN_RECORD_MAX_KEY_CHANGES + 5; i++) {
      const fingerprint = i.toString(16).padStart(64, '0');
      pins = reconcilePins(pins, [{ communityName: 'bob', fingerprint }], i).pins;
    }
    const changes = pins.members.bob?.keyChanges ?? [];
    expect(changes).toHaveLength(PIN_RECORD_MAX_KEY_CHANGES);
    expect(changes[0]?.detectedAt).toBe(6);
    expect(() => parsePinSet(pins)).not.toThrow();
  });

  it('refuses a served fingerprint that is not one', () => {
    expect(() => reconcilePins(emptyPinSet(), [{ communityName: 'bob', fingerprint: '' }], 1)).toThrow(
      expect.objectContaining({ code: 'invalid_fingerprint' }),
    );
  });
});

describe('markVerified', () => {
  it('marks the pinned key verified and keeps when it was pinned', () => {
    const pins = markVerified(pinAtAcceptance(emptyPinSet(), 'bob', A, 100), 'bob', A, 200);
    expect(pins.members.bob).toEqual(record(A, 100, { verifiedAt: 200, updatedAt: 200 }));
    expect(trustOf(pins, 'bob', A)).toEqual({ state: 'trusted', verified: true });
  });

  it('after a key change, pins the new key and resolves the change, keeping it in the record', () => {
    const changed = reconcilePins(
      pinAtAcceptance(emptyPinSet(), 'bob', A, 100),
      [{ communityName: 'bob', fingerprint: B }],
      200,
    ).pins;
    const pins = markVerified(changed, 'bob', B, 300);
    expect(pins.members.bob).toEqual({
      fingerprint: B,
      pinnedAt: 300,
      verifiedAt: 300,
      updatedAt: 300,
      keyChanges: [{ fingerprint: B, detectedAt: 200, resolvedAt: 300 }],
    });
  });

  it('records the change when the new key is verified before any poll noticed it', () => {
    const pins = markVerified(pinAtAcceptance(emptyPinSet(), 'bob', A, 100), 'bob', B, 300);
    expect(pins.members.bob?.keyChanges).toEqual([{ fingerprint: B, detectedAt: 300, resolvedAt: 300 }]);
  });

  it('leaves a change to another key open', () => {
    let pins = pinAtAcceptance(emptyPinSet(), 'bob', A, 100);
    pins = reconcilePins(pins, [{ communityName: 'bob', fingerprint: B }], 200).pins;
    pins = reconcilePins(pins, [{ communityName: 'bob', fingerprint: C }], 250).pins;
    pins = markVerified(pins, 'bob', C, 300);
    expect(pins.members.bob?.keyChanges).toEqual([
      { fingerprint: B, detectedAt: 200, resolvedAt: null },
      { fingerprint: C, detectedAt: 250, resolvedAt: 300 },
    ]);
  });

  it('pins and verifies a member with no pin yet', () => {
    expect(markVerified(emptyPinSet(), 'bob', A, 100).members.bob).toEqual(
      record(A, 100, { verifiedAt: 100 }),
    );
  });
});

describe('trustOf', () => {
  it('says not_pinned, trusted or key_changed', () => {
    let pins = pinAtAcceptance(emptyPinSet(), 'bob', A, 100);
    expect(trustOf(pins, 'carol', A)).toEqual({ state: 'not_pinned' });
    expect(trustOf(pins, 'BOB', A)).toEqual({ state: 'trusted', verified: false });
    // Asked before the change is recorded, it still raises the alarm.
    expect(trustOf(pins, 'bob', B)).toEqual({ state: 'key_changed', pinned: A, served: B, detectedAt: 100 });
    pins = reconcilePins(pins, [{ communityName: 'bob', fingerprint: B }], 200).pins;
    expect(trustOf(pins, 'bob', B)).toEqual({ state: 'key_changed', pinned: A, served: B, detectedAt: 200 });
  });

  it('trusts the pinned key again if the server goes back to it, keeping the event', () => {
    let pins = pinAtAcceptance(emptyPinSet(), 'bob', A, 100);
    pins = reconcilePins(pins, [{ communityName: 'bob', fingerprint: B }], 200).pins;
    pins = reconcilePins(pins, [{ communityName: 'bob', fingerprint: A }], 300).pins;
    expect(trustOf(pins, 'bob', A)).toEqual({ state: 'trusted', verified: false });
    expect(pins.members.bob?.keyChanges).toHaveLength(1);
  });
});

describe('mayWriteTo', () => {
  const pinned = pinAtAcceptance(emptyPinSet(), 'bob', A, 100);

  it('allows writing to the pinned key', () => {
    expect(mayWriteTo(pinned, 'bob', A)).toEqual({ ok: true });
    expect(mayWriteTo(markVerified(pinned, 'bob', A, 150), 'bob', A)).toEqual({ ok: true });
  });

  it('refuses a changed key, with a sentence a person understands', () => {
    const changed = reconcilePins(pinned, [{ communityName: 'bob', fingerprint: B }], 200).pins;
    expect(mayWriteTo(changed, 'bob', B)).toEqual({
      ok: false,
      reason: 'key_changed',
      message: "bob's key has changed: compare fingerprints again before you write.",
    });
    // Also before any poll has recorded the change.
    expect(mayWriteTo(pinned, 'bob', B)).toMatchObject({ ok: false, reason: 'key_changed' });
  });

  it('keeps refusing until the new fingerprint itself is marked verified', () => {
    let pins = reconcilePins(pinned, [{ communityName: 'bob', fingerprint: B }], 200).pins;
    // Re-verifying the old fingerprint does not vouch for the new key.
    pins = markVerified(pins, 'bob', A, 250);
    expect(mayWriteTo(pins, 'bob', B)).toMatchObject({ ok: false, reason: 'key_changed' });
    expect(trustOf(pins, 'bob', B)).toMatchObject({ state: 'key_changed', detectedAt: 200 });
    // Another poll does not clear it either.
    pins = reconcilePins(pins, [{ communityName: 'bob', fingerprint: B }], 275).pins;
    expect(mayWriteTo(pins, 'bob', B)).toMatchObject({ ok: false, reason: 'key_changed' });

    pins = markVerified(pins, 'bob', B, 300);
    expect(mayWriteTo(pins, 'bob', B)).toEqual({ ok: true });
    // And now the old key is the stranger.
    expect(mayWriteTo(pins, 'bob', A)).toMatchObject({ ok: false, reason: 'key_changed' });
  });

  it('refuses a member with no pin', () => {
    expect(mayWriteTo(pinned, 'carol', A)).toEqual({
      ok: false,
      reason: 'not_pinned',
      message:
        'Ringpost has no fingerprint you trusted for carol yet: open People and compare fingerprints before you write.',
    });
    expect(mayWriteTo(emptyPinSet(), 'bob', A)).toMatchObject({ ok: false, reason: 'not_pinned' });
  });

  it('refuses, loudly, a fingerprint that is not one', () => {
    expect(() => mayWriteTo(pinned, 'bob', '')).toThrow(
      expect.objectContaining({ code: 'invalid_fingerprint' }),
    );
  });
});

describe('mergePinSets', () => {
  it('keeps members present in one set only, including removed members', () => {
    const a = setOf({ bob: record(A, 100) });
    const b = setOf({ carol: record(B, 200) });
    expect(mergePinSets(a, b).members).toEqual({ bob: record(A, 100), carol: record(B, 200) });
    expect(mergePinSets(a, emptyPinSet())).toEqual(a);
  });

  it('for the same key: earliest pin, latest verification, union of key changes where resolved wins', () => {
    const open = { fingerprint: B, detectedAt: 150, resolvedAt: null };
    const a = setOf({
      bob: record(A, 100, { verifiedAt: 300, updatedAt: 300, keyChanges: [open] }),
    });
    const b = setOf({
      bob: record(A, 120, {
        verifiedAt: 200,
        updatedAt: 400,
        keyChanges: [
          { ...open, resolvedAt: 210 },
          { fingerprint: C, detectedAt: 160, resolvedAt: null },
        ],
      }),
    });
    expect(mergePinSets(a, b).members.bob).toEqual(
      record(A, 100, {
        verifiedAt: 300,
        updatedAt: 400,
        keyChanges: [
          { fingerprint: B, detectedAt: 150, resolvedAt: 210 },
          { fingerprint: C, detectedAt: 160, resolvedAt: null },
        ],
      }),
    );
  });

  it('never lets a later first-sight pin replace an earlier one, and keeps it as a key change', () => {
    // Browser a pinned A; the server later served B to a new browser b, which pinned it on first sight.
    const a = setOf({ bob: record(A, 100) });
    const b = setOf({ bob: record(B, 500) });
    const merged = mergePinSets(a, b);
    expect(merged.members.bob).toEqual(
      record(A, 100, { updatedAt: 500, keyChanges: [{ fingerprint: B, detectedAt: 500, resolvedAt: null }] }),
    );
    expect(mayWriteTo(merged, 'bob', B)).toMatchObject({ ok: false, reason: 'key_changed' });
    // A verification of the earlier pin does not change that.
    expect(
      mergePinSets(setOf({ bob: record(A, 100, { verifiedAt: 600 }) }), b).members.bob?.fingerprint,
    ).toBe(A);
  });

  it('adopts a key the user verified after the other pin was taken', () => {
    let bPins = reconcilePins(
      setOf({ bob: record(A, 100) }),
      [{ communityName: 'bob', fingerprint: B }],
      200,
    ).pins;
    bPins = markVerified(bPins, 'bob', B, 300);
    const a = setOf({ bob: record(A, 100) });
    const merged = mergePinSets(a, bPins);
    expect(merged.members.bob).toEqual(bPins.members.bob);
    expect(mayWriteTo(merged, 'bob', B)).toEqual({ ok: true });
  });

  it('between two verified keys, the later verification wins', () => {
    const a = setOf({ bob: record(A, 100, { verifiedAt: 400, updatedAt: 400 }) });
    const b = setOf({ bob: record(B, 200, { verifiedAt: 300, updatedAt: 300 }) });
    expect(mergePinSets(a, b).members.bob?.fingerprint).toBe(A);
    expect(mergePinSets(b, a).members.bob?.fingerprint).toBe(A);
  });

  it('settles a change to the key that became the pin', () => {
    // Browser a saw B and raised the alarm; browser b verified B before it ever polled.
    const a = reconcilePins(
      setOf({ bob: record(A, 100) }),
      [{ communityName: 'bob', fingerprint: B }],
      200,
    ).pins;
    const b = markVerified(setOf({ bob: record(A, 100) }), 'bob', B, 300);
    const merged = mergePinSets(a, b);
    expect(merged.members.bob?.fingerprint).toBe(B);
    expect(merged.members.bob?.keyChanges).toEqual([
      { fingerprint: B, detectedAt: 200, resolvedAt: 300 },
      { fingerprint: B, detectedAt: 300, resolvedAt: 300 },
    ]);
  });

  describe('as a join of two browsers', () => {
    const fingerprint = fc.constantFrom(A, B, C);
    const time = fc.integer({ min: 0, max: 1_000 });
    const change = fc.record({
      fingerprint,
      detectedAt: time,
      resolvedAt: fc.option(time, { nil: null }),
    });
    const pinRecord = fc
      .record({
        fingerprint,
        pinnedAt: time,
        verifiedAt: fc.option(time, { nil: null }),
        updatedAt: time,
        keyChanges: fc.array(change, { maxLength: 4 }),
      })
      .map((r) => ({
        ...r,
        verifiedAt: r.verifiedAt === null ? null : Math.max(r.verifiedAt, r.pinnedAt),
        keyChanges: r.keyChanges.filter(
          (c, i) =>
            r.keyChanges.findIndex(
              (d) => d.fingerprint === c.fingerprint && d.detectedAt === c.detectedAt,
            ) === i,
        ),
      }));
    const pinSet = fc
      .dictionary(fc.constantFrom('bob', 'carol', 'dave'), pinRecord, { maxKeys: 3 })
      .map((members) => setOf(members));

    it('does not depend on the order of its arguments, and produces a set that parses', () => {
      fc.assert(
        fc.property(pinSet, pinSet, (a, b) => {
          const ab = mergePinSets(a, b);
          expect(pinSetsEqual(ab, mergePinSets(b, a))).toBe(true);
          expect(() => parsePinSet(ab)).not.toThrow();
        }),
      );
    });

    it('is stable: merging a result again changes nothing', () => {
      fc.assert(
        fc.property(pinSet, pinSet, (a, b) => {
          const ab = mergePinSets(a, b);
          expect(pinSetsEqual(mergePinSets(ab, ab), ab)).toBe(true);
          expect(pinSetsEqual(mergePinSets(ab, b), ab)).toBe(true);
          expect(pinSetsEqual(mergePinSets(ab, a), ab)).toBe(true);
        }),
      );
    });

    it('keeps every member and every key change of both', () => {
      fc.assert(
        fc.property(pinSet, pinSet, (a, b) => {
          const ab = mergePinSets(a, b);
          for (const [name, record] of [...Object.entries(a.members), ...Object.entries(b.members)]) {
            const merged = ab.members[name];
            expect(merged).toBeDefined();
            for (const c of record.keyChanges) {
              expect(
                merged?.keyChanges.some(
                  (m) => m.fingerprint === c.fingerprint && m.detectedAt === c.detectedAt,
                ),
              ).toBe(true);
            }
          }
        }),
      );
    });
  });
});

describe('pinSetsEqual', () => {
  it('ignores the order of members and key changes', () => {
    const x = { fingerprint: B, detectedAt: 1, resolvedAt: null };
    const y = { fingerprint: C, detectedAt: 2, resolvedAt: 3 };
    const a = setOf({ bob: record(A, 1, { keyChanges: [x, y] }), carol: record(B, 2) });
    const b = setOf({ carol: record(B, 2), bob: record(A, 1, { keyChanges: [y, x] }) });
    expect(pinSetsEqual(a, b)).toBe(true);
    expect(pinSetsEqual(a, setOf({ bob: record(A, 1, { keyChanges: [x, y] }) }))).toBe(false);
    expect(pinSetsEqual(a, markVerified(a, 'bob', A, 5))).toBe(false);
  });
});
