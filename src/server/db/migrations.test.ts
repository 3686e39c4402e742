import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { storeTargets } from '../testing/test-app';
import { openStore, type Store } from './open-store';

// The schema the migrations build, as each database reports it, against a reviewed copy in
// schema-snapshots/. A constraint, index or default lost or changed shows here as a diff, not only when a
// test happens to depend on it; a new migration updates the copy (`npx vitest run -u`) in the same change.

async function describeSchema(store: Store): Promise<string> {
  const lines: string[] = [];
  // The migrator's own table, outside the typed schema.
  const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    store.db,
  );
  lines.push('-- migrations', ...migrations.rows.map((row) => row.name));
  if (store.kind === 'sqlite') {
    const objects = await sql<{ type: string; name: string; sql: string | null }>`
      select type, name, sql from sqlite_master
      where name not like 'sqlite_%' and name not like 'kysely_%'
      order by type, name`.execute(store.db);
    for (const row of objects.rows) lines.push(`-- ${row.type} ${row.name}`, row.sql ?? '(implicit)');
    return `${lines.join('\n')}\n`;
  }
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type
      || case when is_nullable = 'NO' then ' not null' else '' end
      || coalesce(' default ' || column_default, '') as line
    from information_schema.columns
    where table_schema = current_schema() and table_name not like 'kysely_%'
    order by table_name, column_name`.execute(store.db);
  lines.push('-- columns', ...columns.rows.map((row) => row.line));
  const constraints = await sql<{ line: string }>`
    select c.conrelid::regclass::text || ' ' || pg_get_constraintdef(c.oid) as line
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where n.nspname = current_schema() and c.conrelid::regclass::text not like 'kysely_%'
    order by 1`.execute(store.db);
  lines.push('-- constraints', ...constraints.rows.map((row) => row.line));
  const indexes = await sql<{ line: string }>`
    select replace(indexdef, schemaname || '.', '') as line from pg_indexes
    where schemaname = current_schema() and tablename not like 'kysely_%'
    order by indexname`.execute(store.db);
  lines.push('-- indexes', ...indexes.rows.map((row) => row.line));
  return `${lines.join('\n')}\n`;
}

describe.each(storeTargets())('the schema on $kind', (target) => {
  // Opened inside the test, not in a hook, so that mutation testing counts the migrations as this test's.
  it('is exactly the one reviewed in schema-snapshots/', async () => {
    const { store, cleanup } = await target.open();
    try {
      await expect(await describeSchema(store)).toMatchFileSnapshot(`./schema-snapshots/${target.kind}.sql`);
    } finally {
      await cleanup();
    }
  });
});

describe('a database the migrations cannot bring up to date', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A data directory whose SQLite file something else has already written to. */
  function dataDirWith(setup: (database: SQLite.Database) => void): { dataDir: string; file: string } {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-migrate-'));
    dirs.push(dataDir);
    const file = join(dataDir, 'ringpost.sqlite');
    const database = new SQLite(file);
    setup(database);
    database.close();
    return { dataDir, file };
  }

  const tableNames = (file: string) => {
    const database = new SQLite(file, { readonly: true });
    try {
      return database
        .prepare<[], { name: string }>("select name from sqlite_master where type = 'table' order by name")
        .all()
        .map((row) => row.name);
    } finally {
      database.close();
    }
  };

  it('names the migration that failed and why, and leaves the file as it found it', async () => {
    // A table of a late migration's name: the six before it run, and must be rolled back with it.
    const { dataDir, file } = dataDirWith((database) => {
      database.exec('create table history_reads (someone_elses text)');
      database.exec("insert into history_reads values ('kept')");
    });
    const failure = await openStore({ dataDir }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      'Database migration failed at 0007_history_reads: table "history_reads" already exists',
    );
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(((failure as Error).cause as Error).message).toBe('table "history_reads" already exists');
    // The migrations run in one transaction: none of their tables, nor a half-written history, stays.
    expect(tableNames(file)).toEqual(['history_reads', 'kysely_migration', 'kysely_migration_lock']);
    const database = new SQLite(file, { readonly: true });
    try {
      expect(database.prepare('select count(*) as n from kysely_migration').get()).toEqual({ n: 0 });
      expect(database.prepare('select * from history_reads').all()).toEqual([{ someone_elses: 'kept' }]);
    } finally {
      database.close();
    }
  });

  it('refuses a database migrated by a build newer than this one, before changing anything', async () => {
    const { dataDir } = dataDirWith(() => undefined);
    const newer = await openStore({ dataDir });
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', 'x')`.execute(
      newer.db,
    );
    await newer.close();
    // No migration ran, so none is named: the history itself is what is wrong.
    await expect(openStore({ dataDir })).rejects.toThrow(
      /^Database migration failed: corrupted migrations: .*9999_from_the_future/,
    );
    const after = new SQLite(join(dataDir, 'ringpost.sqlite'), { readonly: true });
    try {
      expect(after.prepare('select name from kysely_migration order by name').pluck().all()).toContain(
        '9999_from_the_future',
      );
    } finally {
      after.close();
    }
  });

  it('changes nothing when the database is already up to date', async () => {
    const { dataDir } = dataDirWith(() => undefined);
    const first = await openStore({ dataDir });
    const before = await describeSchema(first);
    await first.close();
    const again = await openStore({ dataDir });
    try {
      expect(await describeSchema(again)).toBe(before);
    } finally {
      await again.close();
    }
  });
});
