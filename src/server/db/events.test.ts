import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storeTargets, useTestStore } from '../testing/test-app';
import { insertTestAccount } from '../testing/store-fixtures';
import {
  appendEvents,
  deleteEventsBefore,
  latestEventSeq,
  listEventsAfter,
  listEventsAfterEach,
  listEventsBySeq,
} from './events';

// The push channel's log at the store. The routes append to it and the streams read it one account at a
// time; the PostgreSQL event bus reads it by number and for many accounts at once, which these drive
// directly rather than through two instances.

const account = insertTestAccount;

const event = (n: number) => ({ type: 'test.event', payload: JSON.stringify({ n }) });

describe.each(storeTargets())('the event log on $kind', (target) => {
  const store = useTestStore(target);

  it('numbers appends in the order given, across accounts and past one statement’s worth', async () => {
    const db = store().db;
    const alice = await account(db);
    const bob = await account(db);
    const appends = Array.from({ length: 1_203 }, (_, n) => ({
      accountId: n % 3 === 0 ? bob : alice,
      event: event(n),
      now: 100 + n,
    }));
    const seqs = await db.transaction().execute((trx) => appendEvents(trx, appends));
    expect(seqs).toHaveLength(appends.length);
    for (let n = 1; n < seqs.length; n++) expect(seqs[n]).toBeGreaterThan(seqs[n - 1] ?? Infinity);

    const bobs = await listEventsAfter(db, bob, 0, 10_000);
    expect(bobs.map((row) => row.seq)).toEqual(seqs.filter((_, n) => n % 3 === 0));
    expect(bobs[0]).toEqual({ seq: seqs[0], type: 'test.event', payload: '{"n":0}' });
    expect(await latestEventSeq(db, alice)).toBe(seqs.at(-1));
    expect(await latestEventSeq(db, await account(db))).toBe(0);
    // Each account's head row holds the time of its latest append.
    const heads = await db
      .selectFrom('event_heads')
      .select(['account_id', 'appended_at'])
      .where('account_id', 'in', [alice, bob])
      .orderBy('appended_at')
      .execute();
    expect(heads).toEqual([
      { account_id: bob, appended_at: 100 + 1_200 },
      { account_id: alice, appended_at: 100 + 1_202 },
    ]);
  });

  it('reads a page after a number, and finds events by number, oldest first, those gone left out', async () => {
    const db = store().db;
    const alice = await account(db);
    const bob = await account(db);
    const seqs = await appendEvents(db, [
      ...Array.from({ length: 5 }, (_, n) => ({ accountId: alice, event: event(n), now: 1_000 + n })),
      { accountId: bob, event: event(99), now: 2_000 },
    ]);
    const [first, second, third] = seqs;
    expect((await listEventsAfter(db, alice, second ?? 0, 2)).map((row) => row.seq)).toEqual(
      seqs.slice(2, 4),
    );
    expect(await listEventsAfter(db, alice, seqs[4] ?? 0, 10)).toEqual([]);

    const wanted = [third ?? 0, first ?? 0, seqs[5] ?? 0, 987_654_321];
    const found = await listEventsBySeq(db, wanted);
    expect(found.map((row) => [row.seq, row.accountId])).toEqual([
      [first, alice],
      [third, alice],
      [seqs[5], bob],
    ]);
    expect(found[0]).toMatchObject({ type: 'test.event', payload: '{"n":0}' });
    // More numbers than one statement takes.
    const many = Array.from({ length: 1_200 }, (_, n) => 900_000_000 + n);
    expect((await listEventsBySeq(db, [...many, first ?? 0])).map((row) => row.seq)).toEqual([first]);

    expect(await deleteEventsBefore(db, 1_002)).toBeGreaterThanOrEqual(2);
    expect((await listEventsAfter(db, alice, 0, 10)).map((row) => row.seq)).toEqual(seqs.slice(2, 5));
    expect((await listEventsBySeq(db, [first ?? 0, third ?? 0])).map((row) => row.seq)).toEqual([third]);
  });
});

describe.each(storeTargets().filter((target) => target.kind === 'postgres'))(
  'the event log for many accounts at once on $kind',
  (target) => {
    const store = useTestStore(target);

    it('reads each account’s events after its own number, at most the limit each, oldest first', async () => {
      const db = store().db;
      const accounts = [];
      for (let n = 0; n < 3; n++) accounts.push(await account(db));
      const [a = '', b = '', c = ''] = accounts;
      const seqs = await appendEvents(
        db,
        [a, b, a, c, a, b, a].map((accountId, n) => ({ accountId, event: event(n), now: 10 + n })),
      );
      const rows = await listEventsAfterEach(
        db,
        [
          { accountId: a, after: seqs[0] ?? 0 },
          { accountId: b, after: 0 },
          { accountId: c, after: seqs[3] ?? 0 },
        ],
        2,
      );
      expect(rows.map((row) => [row.seq, row.accountId, row.payload])).toEqual([
        [seqs[1], b, '{"n":1}'],
        [seqs[2], a, '{"n":2}'],
        [seqs[4], a, '{"n":4}'],
        [seqs[5], b, '{"n":5}'],
      ]);
      expect(rows[0]?.type).toBe('test.event');
      // More accounts than one statement takes: each still gets its own range.
      const floors: { accountId: string; after: number }[] = Array.from({ length: 1_100 }, () => ({
        accountId: randomUUID(),
        after: 0,
      }));
      floors.push({ accountId: a, after: seqs[4] ?? 0 });
      expect((await listEventsAfterEach(db, floors, 5)).map((row) => row.seq)).toEqual([seqs[6]]);
    });
  },
);
