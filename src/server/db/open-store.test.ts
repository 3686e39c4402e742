import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { openStore, STATEMENT_CACHE_SIZE, withStatementCache, type Store } from './open-store';

const url = process.env.TEST_DATABASE_URL;

describe.runIf(url)('PostgreSQL schemas', () => {
  it('migrates a schema of its own while another schema of the database already holds Kysely tables', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const schemas = [0, 1].map(() => `test_${randomBytes(6).toString('hex')}`);
    const stores: Store[] = [];
    try {
      for (const schema of schemas) {
        await admin.query(`CREATE SCHEMA ${schema}`);
        // Opened one after the other, the first still open: the second must not take the first's
        // migration tables for its own.
        stores.push(await openStore({ databaseUrl: url, dataDir: tmpdir(), pgSchema: schema }));
      }
      for (const schema of schemas) {
        const { rows } = await admin.query<{ table_name: string }>(
          `select table_name from information_schema.tables where table_schema = $1 and table_name like 'kysely%' order by 1`,
          [schema],
        );
        expect(rows.map((row) => row.table_name)).toEqual(['kysely_migration', 'kysely_migration_lock']);
      }
    } finally {
      for (const store of stores) await store.close();
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});

describe('the SQLite statement cache', () => {
  it('prepares each SQL text once, gives back the same statement, and drops the least recently used', () => {
    const database = new SQLite(':memory:');
    const prepare = vi.spyOn(database, 'prepare');
    const cached = withStatementCache(database);

    const first = cached.prepare('select 1 as one');
    expect(cached.prepare('select 1 as one')).toBe(first);
    expect(first.all([])).toEqual([{ one: 1 }]);
    expect(prepare).toHaveBeenCalledTimes(1);

    for (let n = 0; n < STATEMENT_CACHE_SIZE; n++) cached.prepare(`select ${n + 2} as n`);
    // 'select 1' was the least recently used when the cache filled: prepared again.
    cached.prepare('select 1 as one');
    expect(prepare).toHaveBeenCalledTimes(STATEMENT_CACHE_SIZE + 2);
    database.close();
  });
});
