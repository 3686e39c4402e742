import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { ServerEvent } from '../../shared/protocol/events';
import { manualClock } from '../clock';
import { memoryLogger } from '../log';
import { inProcessEventBus } from '../push/event-bus';
import { storeTargets, useTestStore } from '../testing/test-app';
import { findAccountById, insertAccount } from './accounts';
import { appendEvents, latestEventSeq, listEventsAfter } from './events';
import { groupCommitStats, transact } from './transaction';

const event: ServerEvent = { type: 'ring.updated' };

function account(id: string) {
  return { id, name: id, authHash: 'x', kdfIterations: 600_000, createdAt: 0 };
}

describe.each(storeTargets())('group commit on $kind', (target) => {
  const store = useTestStore(target);

  function publisher() {
    const bus = inProcessEventBus(memoryLogger().log);
    const published: string[] = [];
    return { publisher: { bus, clock: manualClock() }, bus, published };
  }

  it('commits writes that arrive together in fewer transactions than writes, each one whole', async () => {
    const { publisher: pub, bus, published } = publisher();
    const ids = Array.from({ length: 40 }, () => `u-${randomBytes(6).toString('hex')}`);
    for (const id of ids) bus.subscribe(id, () => published.push(id));
    const before = groupCommitStats(store().db);

    await Promise.all(
      ids.map((id) =>
        transact(store().db, pub, async (trx, events) => {
          await insertAccount(trx, account(id));
          events.emit(id, event);
        }),
      ),
    );

    const after = groupCommitStats(store().db);
    expect(after.writes - before.writes).toBe(40);
    // One burst, so a handful of commits at most, not forty.
    expect(after.batches - before.batches).toBeLessThanOrEqual(3);
    expect(after.largest).toBeGreaterThan(1);
    for (const id of ids) expect(await findAccountById(store().db, id)).not.toBeNull();
    expect(published.sort()).toEqual([...ids].sort());
  });

  it('numbers one account’s events in the order they are pushed, whatever batch or lane they commit in', async () => {
    const { publisher: pub, bus } = publisher();
    const id = `u-${randomBytes(6).toString('hex')}`;
    await insertAccount(store().db, account(id));
    const seqs: number[] = [];
    bus.subscribe(id, (_event, seq) => seqs.push(seq));

    // Three waves, so later writes queue while earlier batches are still committing.
    for (let wave = 0; wave < 3; wave++) {
      await Promise.all([
        ...Array.from({ length: 30 }, () =>
          transact(store().db, pub, (_trx, events) => {
            events.emit(id, event);
            return Promise.resolve();
          }),
        ),
        new Promise((resolve) => setImmediate(resolve)),
      ]);
    }

    expect(seqs).toHaveLength(90);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(90);
  });

  it('appends many events for several accounts in two statements per 500, numbered in the order given', async () => {
    const ids = Array.from({ length: 3 }, () => `u-${randomBytes(6).toString('hex')}`).sort();
    for (const id of ids) await insertAccount(store().db, account(id));
    // More than one statement's worth, sorted by account as transact gives them.
    const appends = ids.flatMap((id) =>
      Array.from({ length: 400 }, (_, n) => ({
        accountId: id,
        event: { type: 'ring.updated', payload: `${id}:${n}` },
        now: 1_000 + n,
      })),
    );
    const seqs = await store()
      .db.transaction()
      .execute((trx) => appendEvents(trx, appends));

    expect(seqs).toHaveLength(1_200);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const id of ids) {
      const logged = await listEventsAfter(store().db, id, 0, 1_000);
      expect(logged.map((row) => row.payload)).toEqual(Array.from({ length: 400 }, (_, n) => `${id}:${n}`));
      // Each number handed back is the one the log holds for that event.
      const given = appends.flatMap((append, index) => (append.accountId === id ? [seqs[index]] : []));
      expect(logged.map((row) => row.seq)).toEqual(given);
      const head = await store()
        .db.selectFrom('event_heads')
        .select('appended_at')
        .where('account_id', '=', id)
        .executeTakeFirst();
      expect(Number(head?.appended_at)).toBe(1_399);
    }
  });

  it('rolls back a write that throws on its own: the others in its batch commit and are told', async () => {
    const { publisher: pub, bus, published } = publisher();
    const ids = Array.from({ length: 5 }, () => `u-${randomBytes(6).toString('hex')}`);
    for (const id of ids) bus.subscribe(id, () => published.push(id));
    const failing = ids[2] ?? '';

    const results = await Promise.allSettled(
      ids.map((id) =>
        transact(store().db, pub, async (trx, events) => {
          await insertAccount(trx, account(id));
          events.emit(id, event);
          if (id === failing) throw new Error('this write fails');
          return id;
        }),
      ),
    );

    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await findAccountById(store().db, failing)).toBeNull();
    // Neither pushed nor left in the log it would be replayed from.
    expect(published).not.toContain(failing);
    expect(await latestEventSeq(store().db, failing)).toBe(0);
    for (const id of ids.filter((id) => id !== failing)) {
      expect(await findAccountById(store().db, id)).not.toBeNull();
      expect(await latestEventSeq(store().db, id)).toBeGreaterThan(0);
    }
  });

  it('answers a write that broke a constraint with its own error, after its neighbours', async () => {
    const { publisher: pub } = publisher();
    const id = `u-${randomBytes(6).toString('hex')}`;
    const other = `u-${randomBytes(6).toString('hex')}`;
    await insertAccount(store().db, account(id));

    const [duplicate, fine] = await Promise.allSettled([
      // The same primary key again: a database error inside the batch, not a thrown JS error.
      transact(store().db, pub, (trx) => trx.insertInto('accounts').values(accountRow(id)).execute()),
      transact(store().db, pub, (trx) => insertAccount(trx, account(other))),
    ]);

    expect(duplicate.status).toBe('rejected');
    expect(fine.status).toBe('fulfilled');
    expect(await findAccountById(store().db, other)).not.toBeNull();
  });

  it('runs a lone write that fails once, not again on its own', async () => {
    const { publisher: pub } = publisher();
    let runs = 0;
    const failed = transact(store().db, pub, () => {
      runs += 1;
      return Promise.reject(new Error('this write fails'));
    });
    await expect(failed).rejects.toThrow('this write fails');
    expect(runs).toBe(1);
  });

  it('appends a batch’s events in account order, so batches side by side take their locks in one order', async () => {
    const { publisher: pub, bus } = publisher();
    const [first, second] = [`u-a${randomBytes(6).toString('hex')}`, `u-b${randomBytes(6).toString('hex')}`];
    const seqs = new Map<string, number[]>();
    for (const id of [first, second]) {
      await insertAccount(store().db, account(id));
      bus.subscribe(id, (_event, seq) => seqs.set(id, [...(seqs.get(id) ?? []), seq]));
    }
    // Queued in one turn, so one batch: the later account's write first, then two of the earlier one's,
    // which must keep the order they were written in (a reversed order would put them the wrong way round).
    await Promise.all(
      [second, first, first].map((id) =>
        transact(store().db, pub, (_trx, events) => {
          events.emit(id, event);
          return Promise.resolve();
        }),
      ),
    );
    const ofFirst = seqs.get(first) ?? [];
    const ofSecond = seqs.get(second) ?? [];
    expect(ofFirst).toHaveLength(2);
    expect(ofSecond).toHaveLength(1);
    // Pushed in the order written; numbered in account order, each account's events in the order written.
    expect(ofFirst[1]).toBe((ofFirst[0] ?? 0) + 1);
    expect(ofSecond[0]).toBe((ofFirst[0] ?? 0) + 2);
  });

  it('commits one batch at a time on SQLite and four side by side on PostgreSQL, never more', async () => {
    const lanes = target.kind === 'postgres' ? 4 : 1;
    const { publisher: pub } = publisher();
    const release: (() => void)[] = [];
    let inside = 0;
    let most = 0;
    const write = () =>
      transact(store().db, pub, async () => {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise<void>((resolve) => release.push(resolve));
        inside -= 1;
      });
    const writes: Promise<void>[] = [];
    // One write a turn, each arriving while the ones before it hold their transactions open.
    for (let n = 0; n < lanes + 2; n++) {
      writes.push(write());
      await vi.waitFor(() => expect(inside).toBe(Math.min(n + 1, lanes)), { interval: 1 });
    }
    // The lanes are full: the two writes behind them wait. A write let through would be inside within a
    // round trip to the database, and nothing leaves while none is released; a negative can only be given
    // a while to show itself.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inside).toBe(lanes);
    // As lanes free up, the waiting two commit (together, one after the other) and everything settles.
    let settled = false;
    const all = Promise.all(writes).then(() => (settled = true));
    while (!settled) {
      release.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await all;
    expect(most).toBe(lanes);
  });
});

function accountRow(id: string) {
  return { id, name: `${id}-again`, auth_hash: 'x', kdf_iterations: 600_000, created_at: 0 };
}
