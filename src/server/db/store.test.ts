import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeTargets, useTestStore } from '../testing/test-app';
import { testAccount, uniqueName as unique } from '../testing/store-fixtures';
import { openStore } from './open-store';
import { findAccountById, findAccountByName, insertAccount } from './accounts';
import { claimCommunityName, findIdentity, insertIdentity, type IdentityRecord } from './identities';
import { deleteExpiredRateLimits } from './rate-limits';
import { createSession, deleteExpiredSessions, findSessionAccount } from './sessions';

const account = testAccount;

function identity(accountId: string, fingerprint = unique('fp').padEnd(64, '0')): IdentityRecord {
  return {
    account_id: accountId,
    community_name: null,
    public_key: 'spki',
    fingerprint,
    key_bits: 1024,
    key_backup: '{}',
    activated_at: 1_000,
    named_at: null,
  };
}

describe.each(storeTargets())('the data layer on $kind', (target) => {
  const store = useTestStore(target);

  it('inserts an account once per name and finds it by name and id', async () => {
    const first = account();
    expect(await insertAccount(store().db, first)).toBe('created');
    expect(await insertAccount(store().db, { ...account(first.name) })).toBe('name_taken');
    expect(await findAccountByName(store().db, first.name)).toEqual(first);
    expect(await findAccountById(store().db, first.id)).toEqual(first);
    expect(await findAccountByName(store().db, unique('nobody'))).toBeNull();
  });

  it('decides two sign-ups racing for one name with exactly one winner', async () => {
    const name = unique('race');
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => insertAccount(store().db, account(name))),
    );
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
  });

  it('keeps one identity per account and one account per key', async () => {
    const owner = account();
    const other = account();
    await insertAccount(store().db, owner);
    await insertAccount(store().db, other);
    const mine = identity(owner.id);
    expect(await insertIdentity(store().db, mine)).toBe('created');
    expect(await insertIdentity(store().db, identity(owner.id))).toBe('already_activated');
    expect(await insertIdentity(store().db, identity(other.id, mine.fingerprint))).toBe('key_in_use');
    expect(await findIdentity(store().db, other.id)).toBeNull();
  });

  it('claims a community name once, and never one someone else holds', async () => {
    const [a, b, c] = [account(), account(), account()];
    for (const each of [a, b, c]) await insertAccount(store().db, each);
    expect((await claimCommunityName(store().db, c.id, unique('n'), 5)).outcome).toBe('not_activated');
    await insertIdentity(store().db, identity(a.id));
    await insertIdentity(store().db, identity(b.id));
    const wanted = unique('wanted');
    const claimed = await claimCommunityName(store().db, a.id, wanted, 5);
    expect(claimed).toMatchObject({ outcome: 'claimed', identity: { community_name: wanted, named_at: 5 } });
    expect((await claimCommunityName(store().db, a.id, unique('other'), 6)).outcome).toBe('already_set');
    expect((await claimCommunityName(store().db, b.id, wanted, 6)).outcome).toBe('name_taken');
    expect((await findIdentity(store().db, b.id))?.community_name).toBeNull();
  });

  it('finds a session only until it expires, and the sweep removes only expired ones', async () => {
    const owner = account();
    await insertAccount(store().db, owner);
    const short = await createSession(store().db, owner.id, 1_000, 100);
    const long = await createSession(store().db, owner.id, 1_000, 10_000);
    const limits = { ttlMs: 10_000, idleMs: 1_000_000 };
    expect((await findSessionAccount(store().db, short, 1_099, limits))?.id).toBe(owner.id);
    expect(await findSessionAccount(store().db, short, 1_100, limits)).toBeNull();
    expect(await deleteExpiredSessions(store().db, 1_100, limits.idleMs)).toBeGreaterThanOrEqual(1);
    expect(await findSessionAccount(store().db, short, 0, limits)).toBeNull();
    expect((await findSessionAccount(store().db, long, 1_100, limits))?.name).toBe(owner.name);
  });

  it('lapses a session left idle past the limit, while each use moves the limit on', async () => {
    const owner = account();
    await insertAccount(store().db, owner);
    const limits = { ttlMs: 10 * 60 * 60_000, idleMs: 30 * 60_000 };
    const start = 5_000_000;
    const used = await createSession(store().db, owner.id, start, limits.ttlMs);
    const idle = await createSession(store().db, owner.id, start, limits.ttlMs);
    // Used every 20 minutes for three hours: never idle for 30.
    for (let minutes = 20; minutes <= 180; minutes += 20) {
      expect((await findSessionAccount(store().db, used, start + minutes * 60_000, limits))?.id).toBe(
        owner.id,
      );
    }
    expect(await findSessionAccount(store().db, idle, start + 30 * 60_000, limits)).toBeNull();
    // Idle ones are swept like expired ones, and a used one stays.
    expect(
      await deleteExpiredSessions(store().db, start + 185 * 60_000, limits.idleMs),
    ).toBeGreaterThanOrEqual(1);
    expect(await findSessionAccount(store().db, idle, start + 20 * 60_000, limits)).toBeNull();
    expect((await findSessionAccount(store().db, used, start + 200 * 60_000, limits))?.id).toBe(owner.id);
    // The TTL still ends it, however busy it is.
    expect(await findSessionAccount(store().db, used, start + limits.ttlMs, limits)).toBeNull();
  });

  it('sweeps rate-limit rows that expired over an hour ago', async () => {
    const now = 10_000_000;
    await store()
      .db.insertInto('rate_limits')
      .values([
        { key: unique('old'), points: 1, expire: now - 3_600_001 },
        { key: unique('recent'), points: 1, expire: now - 10 },
      ])
      .execute();
    const before = await store().db.selectFrom('rate_limits').select('key').execute();
    expect(await deleteExpiredRateLimits(store().db, now)).toBeGreaterThanOrEqual(1);
    const after = await store().db.selectFrom('rate_limits').select('key').execute();
    expect(after.length).toBe(before.length - 1);
  });
});

describe('the SQLite files', () => {
  it("are the server's alone: the data directory 0700, the database and its WAL files 0600", async () => {
    // A data directory as an older version (or a loose umask) left it: readable by everyone.
    const dataDir = join(mkdtempSync(join(tmpdir(), 'ringpost-modes-')), 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'ringpost.sqlite'), '');
    chmodSync(join(dataDir, 'ringpost.sqlite'), 0o644);
    const store = await openStore({ dataDir });
    try {
      await insertAccount(store.db, account());
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const file of ['ringpost.sqlite', 'ringpost.sqlite-wal', 'ringpost.sqlite-shm']) {
        expect(statSync(join(dataDir, file)).mode & 0o777, file).toBe(0o600);
      }
    } finally {
      await store.close();
      rmSync(dirname(dataDir), { recursive: true, force: true });
    }
  });

  it('start private in a new data directory too', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'ringpost-modes-')), 'fresh', 'data');
    const store = await openStore({ dataDir });
    try {
      await insertAccount(store.db, account());
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, 'ringpost.sqlite')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'ringpost.sqlite-wal')).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
      rmSync(dirname(dirname(dataDir)), { recursive: true, force: true });
    }
  });
});
