import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations';
import type { Database, Db, StoreKind } from './schema';

export interface Store {
  db: Db;
  kind: StoreKind;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Overrides the SQLite file name (tests use one file per suite). */
  sqliteFile?: string;
  /** PostgreSQL schema to use instead of `public` (tests isolate themselves in one each). */
  pgSchema?: string;
}

const INT8_OID = 20;

export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.pgSchema)
    : openSqlite(options);
  try {
    await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(options: StoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  const file = options.sqliteFile ?? join(options.dataDir, 'ringpost.sqlite');
  const database = new SQLite(file);
  // WAL lets readers carry on while a write commits; foreign keys are off by default in SQLite.
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, kind: 'sqlite', close: () => db.destroy() };
}

// bigint columns hold millisecond times, well inside Number's exact range; pg would return them as strings.
const millisecondTimes = new pg.TypeOverrides();
millisecondTimes.setTypeParser(INT8_OID, (value: string) => Number(value));

function openPostgres(connectionString: string, schema: string | undefined): Store {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: millisecondTimes,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}
