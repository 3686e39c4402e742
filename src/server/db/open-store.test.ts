import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
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

describe('the SQLite store', () => {
  it('flushes every commit to disk, on the first start and on every start after it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ringpost-sync-'));
    try {
      // The second open finds the file already in WAL, where the library's default would be NORMAL.
      for (let start = 0; start < 2; start++) {
        const store = await openStore({ dataDir });
        const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
        const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
        await store.close();
        expect(journal.rows[0]?.journal_mode).toBe('wal');
        expect(rows[0]?.synchronous).toBe(2);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
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
