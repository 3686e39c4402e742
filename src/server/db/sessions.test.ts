import { describe, expect, it } from 'vitest';
import { storeTargets, useTestStore } from '../testing/test-app';
import { insertTestAccount } from '../testing/store-fixtures';
import type { Db } from './schema';
import {
  createSession,
  deleteSession,
  findSession,
  LAST_SEEN_STEP_MS,
  sessionDeadline,
  sessionKey,
  type SessionLimits,
} from './sessions';

// The session rules at the store, with the clock as a number: the route tests see them through cookies,
// these pin the boundaries (when a request writes the last-seen time, when a session lapses).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function signedIn(db: Db, now: number, limits: SessionLimits) {
  const id = await insertTestAccount(db);
  const token = await createSession(db, id, now, limits.ttlMs);
  const lastSeen = async () =>
    (
      await db
        .selectFrom('sessions')
        .select('last_seen_at')
        .where('token_hash', '=', sessionKey(token))
        .executeTakeFirstOrThrow()
    ).last_seen_at;
  return { id, token, lastSeen };
}

describe.each(storeTargets())('sessions on $kind', (target) => {
  const store = useTestStore(target);

  it('writes the last-seen time once a step has passed, not on every request', async () => {
    const db = store().db;
    const limits = { ttlMs: 24 * HOUR, idleMs: 30 * MINUTE };
    const { id, token, lastSeen } = await signedIn(db, 1_000, limits);

    const early = await findSession(db, token, 1_000 + LAST_SEEN_STEP_MS - 1, limits);
    expect(early?.account.id).toBe(id);
    expect(await lastSeen()).toBe(1_000);
    // The idle limit counts from the time stored, so the session lapses a little early, never late.
    expect(early?.expiresAt).toBe(1_000 + limits.idleMs);

    const stepped = 1_000 + LAST_SEEN_STEP_MS;
    const touched = await findSession(db, token, stepped, limits);
    expect(await lastSeen()).toBe(stepped);
    expect(touched?.expiresAt).toBe(stepped + limits.idleMs);
  });

  it('steps at half the idle limit when that is shorter than a minute', async () => {
    const db = store().db;
    const limits = { ttlMs: HOUR, idleMs: 40_000 };
    const { token, lastSeen } = await signedIn(db, 0, limits);
    await findSession(db, token, 19_999, limits);
    expect(await lastSeen()).toBe(0);
    await findSession(db, token, 20_000, limits);
    expect(await lastSeen()).toBe(20_000);
    // Each request at least half the limit after the last write keeps the session alive.
    for (const now of [50_000, 80_000, 110_000]) {
      expect(await findSession(db, token, now, limits), `at ${now}`).not.toBeNull();
    }
    expect(await lastSeen()).toBe(110_000);
  });

  it('lapses after the idle limit, and at its TTL however busy it is', async () => {
    const db = store().db;
    const limits = { ttlMs: 2 * HOUR, idleMs: 30 * MINUTE };
    const idle = await signedIn(db, 0, limits);
    expect(await findSession(db, idle.token, limits.idleMs - 1, limits)).not.toBeNull();
    expect(await findSession(db, idle.token, limits.idleMs - 1 + limits.idleMs, limits)).toBeNull();

    const busy = await signedIn(db, 0, limits);
    for (let now = 20 * MINUTE; now < limits.ttlMs; now += 20 * MINUTE) {
      const found = await findSession(db, busy.token, now, limits);
      expect(found, `at ${now}`).not.toBeNull();
      // The sooner of the two: near the end the TTL comes before the idle limit.
      expect(found?.expiresAt).toBe(Math.min(limits.ttlMs, now + limits.idleMs));
    }
    expect(await findSession(db, busy.token, limits.ttlMs, limits)).toBeNull();
  });

  it('tells a push stream when its session lapses, and null once it has or was signed out', async () => {
    const db = store().db;
    const limits = { ttlMs: HOUR, idleMs: 30 * MINUTE };
    const { token } = await signedIn(db, 0, limits);
    const key = sessionKey(token);
    expect(await sessionDeadline(db, key, 0, limits)).toBe(limits.idleMs);
    expect(await sessionDeadline(db, key, limits.idleMs - 1, limits)).toBe(limits.idleMs);
    expect(await sessionDeadline(db, key, limits.idleMs, limits)).toBeNull();

    // Used again: the idle limit moves on, until the TTL comes first.
    await findSession(db, token, 20 * MINUTE, limits);
    expect(await sessionDeadline(db, key, 20 * MINUTE, limits)).toBe(50 * MINUTE);
    await findSession(db, token, 40 * MINUTE, limits);
    expect(await sessionDeadline(db, key, 40 * MINUTE, limits)).toBe(limits.ttlMs);
    await deleteSession(db, token);
    expect(await sessionDeadline(db, key, 40 * MINUTE, limits)).toBeNull();
    expect(await findSession(db, token, 40 * MINUTE, limits)).toBeNull();
  });

  it('finds no session for a token it never issued', async () => {
    const db = store().db;
    const limits = { ttlMs: HOUR, idleMs: 30 * MINUTE };
    const { token } = await signedIn(db, 0, limits);
    expect(
      await findSession(db, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 1, limits),
    ).toBeNull();
    expect(await sessionDeadline(db, token, 1, limits)).toBeNull();
  });
});
