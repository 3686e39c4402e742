import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
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

  it('gives the listener connections that resolve names in the store’s own schema', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const schema = `test_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const store = await openStore({ databaseUrl: url, dataDir: tmpdir(), pgSchema: schema });
    try {
      expect(store.pg?.schema).toBe(schema);
      const client = store.pg?.newClient();
      if (!client) throw new Error('The PostgreSQL store has no listener settings.');
      await client.connect();
      try {
        const { rows } = await client.query<{ schema: string; big: unknown }>(
          'select current_schema() as schema, 9007199254740991::int8 as big',
        );
        // Millisecond times come back as numbers there too, not strings.
        expect(rows).toEqual([{ schema, big: Number.MAX_SAFE_INTEGER }]);
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  it('refuses a search path that names no schema, says how to fix it, and leaves no connection open', async () => {
    const marker = `ringpost_test_${randomBytes(6).toString('hex')}`;
    const tagged = new URL(url ?? '');
    // Our connections carry a name of their own, so they can be told from any other test's.
    tagged.searchParams.set('application_name', marker);
    const failure = await openStore({
      databaseUrl: tagged.toString(),
      dataDir: tmpdir(),
      pgSchema: `test_missing_${randomBytes(6).toString('hex')}`,
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      'PostgreSQL has no current schema: check the search_path of DATABASE_URL.',
    );
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // The pool was closed on the way out; its connections leave the server's list soon after.
      await vi.waitFor(
        async () => {
          const { rows } = await admin.query<{ n: number }>(
            'select count(*)::int as n from pg_stat_activity where application_name = $1',
            [marker],
          );
          expect(rows[0]?.n).toBe(0);
        },
        { timeout: 5_000, interval: 20 },
      );
    } finally {
      await admin.end();
    }
  });
});

describe('the SQLite data directory', () => {
  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  it('is the server’s alone: the directory 0700, the database and its WAL files 0600', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'ringpost-modes-')), 'data');
    try {
      const store = await openStore({ dataDir });
      // Writing makes SQLite create the WAL and shared-memory files, with the database file's mode.
      await sql`create table touched (n integer)`.execute(store.db);
      const file = join(dataDir, 'ringpost.sqlite');
      expect(await mode(dataDir)).toBe(0o700);
      for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(await mode(path), path).toBe(0o600);
      await store.close();
    } finally {
      await rm(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('tightens the modes an older version left open, WAL files of a killed process included', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ringpost-modes-'));
    const [live, left] = [join(root, 'live'), join(root, 'left')];
    const name = 'ringpost.sqlite';
    const files = [name, `${name}-wal`, `${name}-shm`];
    try {
      // A WAL that still holds a commit, as a killed server leaves it: SQLite keeps such files' modes.
      const running = await openStore({ dataDir: live });
      await sql`create table touched (n integer)`.execute(running.db);
      await sql`insert into touched values (1)`.execute(running.db);
      await mkdir(left);
      for (const file of files) await copyFile(join(live, file), join(left, file));
      await running.close();
      await chmod(left, 0o755);
      for (const file of files) await chmod(join(left, file), 0o644);

      const again = await openStore({ dataDir: left });
      expect(await mode(left)).toBe(0o700);
      for (const file of files) expect(await mode(join(left, file)), file).toBe(0o600);
      // The commit in the WAL was kept.
      expect((await sql<{ n: number }>`select n from touched`.execute(again.db)).rows).toEqual([{ n: 1 }]);
      await again.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps foreign keys on and waits for a busy file instead of failing at once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ringpost-pragmas-'));
    try {
      const store = await openStore({ dataDir });
      const keys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
      await store.close();
      expect(keys.rows).toEqual([{ foreign_keys: 1 }]);
      expect(busy.rows).toEqual([{ timeout: 5_000 }]);
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

  it('holds as many statements as its size, each used one kept, and drops only when full', () => {
    const database = new SQLite(':memory:');
    const prepare = vi.spyOn(database, 'prepare');
    const cached = withStatementCache(database);
    const text = (n: number) => `select ${n} as n`;

    for (let n = 0; n < STATEMENT_CACHE_SIZE; n++) cached.prepare(text(n));
    // Full, not over: asked again in the same order, every one is still there.
    for (let n = 0; n < STATEMENT_CACHE_SIZE; n++) cached.prepare(text(n));
    expect(prepare).toHaveBeenCalledTimes(STATEMENT_CACHE_SIZE);

    // One more drops the least recently used (text 0) and nothing else.
    cached.prepare(text(-1));
    cached.prepare(text(1));
    expect(prepare).toHaveBeenCalledTimes(STATEMENT_CACHE_SIZE + 1);
    cached.prepare(text(0));
    expect(prepare).toHaveBeenCalledTimes(STATEMENT_CACHE_SIZE + 2);
    database.close();
  });
});
