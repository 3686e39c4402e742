import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations';
import type { Database, Db, StoreKind } from './schema';

export interface Store {
  db: Db;
  kind: StoreKind;
  /** The pool under `db` on PostgreSQL (rate-limit counters share it); null on SQLite. */
  pgPool: pg.Pool | null;
  /**
   * PostgreSQL only: the schema the tables live in, and a way to open a connection of one's own with the
   * same settings (the listening connection, which must not come from the pool).
   */
  pg: { schema: string; newClient: () => pg.Client } | null;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use instead of `public` (tests isolate themselves in one each). */
  pgSchema?: string;
}

const INT8_OID = 20;

export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.pgSchema)
    : openSqlite(options);
  try {
    const schema = store.pgPool ? await currentSchema(store.pgPool) : undefined;
    await migrateToLatest(store.db, schema);
    if (schema && options.databaseUrl) {
      const settings = postgresSettings(options.databaseUrl, options.pgSchema);
      store.pg = { schema, newClient: () => new pg.Client(settings) };
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * The data directory is the server's alone: 0700, and the database file 0600 before SQLite first opens it.
 * SQLite gives its -wal and -shm files the database file's mode, so they are private too. Modes are
 * tightened on every start, so a directory made by an older version is fixed as well.
 */
export function preparePrivateFile(dataDir: string, file: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  for (const companion of [`${file}-wal`, `${file}-shm`]) {
    if (existsSync(companion)) chmodSync(companion, 0o600);
  }
}

/** Statements kept prepared: the app's queries are a few dozen shapes; IN lists of other lengths add more. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement on every run; preparing cost about a seventh of the
 * server's CPU under load (bench/README.md). The same SQL text gets the same prepared statement, least
 * recently used dropped first. Safe because the driver only runs statements to completion (`all`/`run`),
 * never leaves an iterator open on one.
 */
export function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement) {
        cache.delete(sqlText);
      } else {
        statement = database.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
      }
      cache.set(sqlText, statement);
      return statement;
    },
  };
}

/**
 * Kysely's SQLite adapter reports no transactional DDL, so its migrator would commit each migration's
 * statements and its history row one by one, and a kill in between would leave a table that exists but
 * is not recorded, which every later start trips over. SQLite does run DDL in a transaction; told so, the
 * migrator applies everything pending in one, all or nothing, as it does on PostgreSQL.
 */
class SqliteWithTransactionalDdl extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl(): boolean {
        return true;
      }
    })();
  }
}

function openSqlite(options: StoreOptions): Store {
  const file = join(options.dataDir, 'ringpost.sqlite');
  preparePrivateFile(options.dataDir, file);
  const database = new SQLite(file);
  // WAL lets readers carry on while a write commits; foreign keys are off by default in SQLite.
  database.pragma('journal_mode = WAL');
  // Said outright, after WAL: better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, so a file
  // that is already in WAL (every start but the first) would open with NORMAL, where a commit that has
  // been answered can still be lost to a power cut. FULL flushes the WAL at every commit (group commit
  // shares that flush), so "Enqueued" means on disk (decision 016).
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({
    dialect: new SqliteWithTransactionalDdl({ database: withStatementCache(database) }),
  });
  return { db, kind: 'sqlite', pgPool: null, pg: null, close: () => db.destroy() };
}

// bigint columns hold millisecond times, well inside Number's exact range; pg would return them as strings.
const millisecondTimes = new pg.TypeOverrides();
millisecondTimes.setTypeParser(INT8_OID, (value: string) => Number(value));

/**
 * The schema unqualified names resolve to. Kysely's migrator looks for its own tables in every schema
 * unless told which: a database holding another schema with Kysely's tables (another app, or a parallel
 * test) would make it skip creating its lock table here.
 */
async function currentSchema(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ schema: string }>('select current_schema() as schema');
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: check the search_path of DATABASE_URL.');
  return schema;
}

function postgresSettings(connectionString: string, schema: string | undefined): pg.ClientConfig {
  return {
    connectionString,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: millisecondTimes,
  };
}

function openPostgres(connectionString: string, schema: string | undefined): Store {
  const pool = new pg.Pool({ ...postgresSettings(connectionString, schema), max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // `pg` is filled in once the schema is known (openStore).
  const close = async () => {
    await db.destroy();
    // Kysely ends the pool only if it ever used it; a start that failed before the migrations (no schema
    // on the search path) used only the pool, and would leave its connection open.
    if (!pool.ending && !pool.ended) await pool.end();
  };
  return { db, kind: 'postgres', pgPool: pool, pg: null, close };
}
