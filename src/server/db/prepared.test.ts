import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { storeTargets, useTestStore } from '../testing/test-app';
import { insertAccount } from './accounts';
import { prepared } from './prepared';
import { transact } from './transaction';
import { inProcessEventBus } from '../push/event-bus';
import { memoryLogger } from '../log';
import { manualClock } from '../clock';

describe.each(storeTargets())('prepared queries on $kind', (target) => {
  const store = useTestStore(target);

  it('build once per dialect and run with each call’s own values, in transactions too', async () => {
    let builds = 0;
    const byNameAndAge = prepared(2, (db, name: string, olderThan: number) => {
      builds += 1;
      return db
        .selectFrom('accounts')
        .select(['id', 'name'])
        .where('name', '=', name)
        .where('created_at', '>', olderThan);
    });
    const names = [0, 1, 2].map(() => `p-${randomBytes(6).toString('hex')}`);
    for (const [index, name] of names.entries()) {
      await insertAccount(store().db, {
        id: name,
        name,
        authHash: 'x',
        kdfIterations: 600_000,
        createdAt: index,
      });
    }

    for (const [index, name] of names.entries()) {
      expect((await byNameAndAge(store().db, name, -1)).rows).toEqual([{ id: name, name }]);
      // The second argument lands where it belongs: this one filters the row out.
      expect((await byNameAndAge(store().db, name, index)).rows).toEqual([]);
    }
    const publisher = { bus: inProcessEventBus(memoryLogger().log), clock: manualClock() };
    const inTransaction = await transact(store().db, publisher, (trx) =>
      byNameAndAge(trx, names[1] ?? '', -1),
    );
    expect(inTransaction.rows).toHaveLength(1);
    expect(builds).toBe(1);
  });

  it('refuse a query that puts an argument into its SQL text, or leaves one out', async () => {
    const literal = prepared(1, (db, name: string) =>
      db.selectFrom('accounts').select('id').where('name', '=', sql.lit(name)),
    );
    await expect(literal(store().db, 'anyone')).rejects.toThrow('into its SQL text');

    const forgetful = prepared(2, (db, name: string, _unused: number) =>
      db.selectFrom('accounts').select('id').where('name', '=', name),
    );
    await expect(forgetful(store().db, 'anyone', 1)).rejects.toThrow('1 of its 2 arguments');
  });
});
