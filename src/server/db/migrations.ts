import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresAdapter,
  sql,
} from 'kysely';

// One set of migrations for SQLite and PostgreSQL: only types both understand (text, bigint, integer).
// A migration that has shipped is never edited; a change is a new entry.

const migrations: Record<string, Migration> = {
  '0001_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('auth_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (col) => col.primaryKey())
        .addColumn('account_id', 'text', (col) => col.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('sessions_account_id').on('sessions').column('account_id').execute();
      await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
    },
  },
  '0002_identities': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('identities')
        .addColumn('account_id', 'text', (col) =>
          col.primaryKey().references('accounts.id').onDelete('cascade'),
        )
        // UNIQUE allows many NULLs in both engines: only claimed names compete.
        .addColumn('community_name', 'text', (col) => col.unique())
        .addColumn('public_key', 'text', (col) => col.notNull())
        .addColumn('fingerprint', 'text', (col) => col.notNull().unique())
        .addColumn('key_bits', 'integer', (col) => col.notNull())
        .addColumn('key_backup', 'text', (col) => col.notNull())
        .addColumn('activated_at', 'bigint', (col) => col.notNull())
        .addColumn('named_at', 'bigint')
        .execute();
    },
  },
  '0003_kdf_per_account_and_rate_limits': {
    async up(db: Kysely<unknown>) {
      // Accounts made before this migration were all derived with the floor of 600,000 rounds.
      await db.schema
        .alterTable('accounts')
        .addColumn('kdf_iterations', 'integer', (col) => col.notNull().defaultTo(600_000))
        .execute();
      // rate-limiter-flexible's PostgreSQL table, made here so every instance finds it ready. SQLite keeps
      // its counters in memory and never touches it.
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', 'varchar(255)', (col) => col.primaryKey())
        .addColumn('points', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('expire', 'bigint')
        .execute();
    },
  },
  '0004_ring': {
    async up(db: Kysely<unknown>) {
      const account = (col: ColumnDefinitionBuilder) =>
        col.notNull().references('accounts.id').onDelete('cascade');
      await db.schema
        .createTable('terms_acceptances')
        .addColumn('account_id', 'text', account)
        .addColumn('terms_version', 'integer', (col) => col.notNull())
        .addColumn('accepted_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('terms_acceptances_pk', ['account_id', 'terms_version'])
        .execute();
      await db.schema
        .createTable('invites')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('from_account_id', 'text', account)
        // A name, not an account: an invite is written without ever looking the name up.
        .addColumn('to_name', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .addColumn('declined_at', 'bigint')
        .addColumn('withdrawn_at', 'bigint')
        .addUniqueConstraint('invites_from_to', ['from_account_id', 'to_name'])
        .execute();
      await db.schema.createIndex('invites_to_name').on('invites').column('to_name').execute();
      await db.schema.createIndex('invites_expires_at').on('invites').column('expires_at').execute();
      await db.schema
        .createTable('ring_members')
        .addColumn('owner_id', 'text', account)
        .addColumn('member_id', 'text', account)
        .addColumn('added_at', 'bigint', (col) => col.notNull())
        .addColumn('invited_by_owner', 'integer', (col) => col.notNull())
        .addPrimaryKeyConstraint('ring_members_pk', ['owner_id', 'member_id'])
        .execute();
      // Deleting an account cascades through member_id too; without an index that is a full scan.
      await db.schema.createIndex('ring_members_member_id').on('ring_members').column('member_id').execute();
      await db.schema
        .createTable('decoy_keys')
        .addColumn('fingerprint', 'text', (col) => col.primaryKey())
        .addColumn('public_key', 'text', (col) => col.notNull())
        .addColumn('key_bits', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        // Many NULLs (the pool) are allowed; a name holds at most one key, even against a racing request.
        .addColumn('assigned_name', 'text', (col) => col.unique())
        .addColumn('assigned_at', 'bigint')
        .execute();
      await db.schema
        .createTable('pin_blobs')
        .addColumn('account_id', 'text', (col) =>
          col.primaryKey().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('blob', 'text', (col) => col.notNull())
        .addColumn('version', 'integer', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();
    },
  },
  '0005_messages_and_events': {
    async up(db: Kysely<unknown>) {
      const account = (col: ColumnDefinitionBuilder) =>
        col.notNull().references('accounts.id').onDelete('cascade');
      await db.schema
        .createTable('messages')
        // The envelope's own id: the sender's browser makes it, so it is unique per sender only.
        .addColumn('id', 'text', (col) => col.notNull())
        .addColumn('sender_id', 'text', account)
        .addColumn('recipient_name', 'text', (col) => col.notNull())
        // Null when the message was accepted and dropped (unknown name, decoy, not allowed): the row is kept
        // so a repeated id gets the first answer, and it expires like any other.
        .addColumn('recipient_id', 'text', (col) => col.references('accounts.id').onDelete('cascade'))
        // The envelope's JSON under the server key (AES-256-GCM); '' once the content is destroyed.
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('key_version', 'integer', (col) => col.notNull())
        .addColumn('accepted_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .addColumn('delivered_at', 'bigint')
        .addColumn('failed_at', 'bigint')
        .addColumn('fail_reason', 'text')
        .addPrimaryKeyConstraint('messages_pk', ['sender_id', 'id'])
        .execute();
      // The recipient's pending list and acknowledgements; the hold sweep; the retention sweep.
      await db.schema
        .createIndex('messages_recipient')
        .on('messages')
        .columns(['recipient_id', 'accepted_at'])
        .execute();
      await db.schema.createIndex('messages_expires_at').on('messages').column('expires_at').execute();
      await db.schema.createIndex('messages_accepted_at').on('messages').column('accepted_at').execute();

      // The push channel's log. One sequence for every account, so an SSE id is a plain number. SQLite and
      // PostgreSQL spell an auto-numbered key differently and Kysely has no common form for it: SQLite's
      // `integer primary key autoincrement` never reuses a number after a delete (the retention sweep
      // deletes), PostgreSQL's identity column never does either.
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('events')
        .addColumn('seq', postgres ? 'bigint' : 'integer', (col) =>
          postgres ? col.primaryKey().generatedAlwaysAsIdentity() : col.primaryKey().autoIncrement(),
        )
        .addColumn('account_id', 'text', account)
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('payload', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('events_account_seq').on('events').columns(['account_id', 'seq']).execute();
      await db.schema.createIndex('events_created_at').on('events').column('created_at').execute();
      // One row per account, locked by every transaction that appends to its log: on PostgreSQL a number is
      // taken when the row is inserted, not when it commits, so without this a later number could become
      // visible before an earlier one and a browser resuming after it would never see the earlier event.
      await db.schema
        .createTable('event_heads')
        .addColumn('account_id', 'text', (col) =>
          col.primaryKey().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('appended_at', 'bigint', (col) => col.notNull())
        .execute();
    },
  },
  '0006_history': {
    async up(db: Kysely<unknown>) {
      const account = (col: ColumnDefinitionBuilder) =>
        col.notNull().references('accounts.id').onDelete('cascade');
      // At most five stars per account by construction: a star takes one of five numbered slots, and the
      // primary key refuses a second star in a slot however many requests race for it.
      await db.schema
        .createTable('message_stars')
        .addColumn('account_id', 'text', account)
        .addColumn('slot', 'integer', (col) => col.notNull())
        .addColumn('sender_id', 'text', (col) => col.notNull())
        .addColumn('message_id', 'text', (col) => col.notNull())
        .addColumn('starred_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('message_stars_pk', ['account_id', 'slot'])
        .addUniqueConstraint('message_stars_message', ['account_id', 'sender_id', 'message_id'])
        .execute();
      await db.schema
        .createIndex('message_stars_by_message')
        .on('message_stars')
        .columns(['sender_id', 'message_id'])
        .execute();
      await db.schema
        .createTable('message_reads')
        .addColumn('account_id', 'text', account)
        .addColumn('sender_id', 'text', (col) => col.notNull())
        .addColumn('message_id', 'text', (col) => col.notNull())
        .addColumn('read_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('message_reads_pk', ['account_id', 'sender_id', 'message_id'])
        .execute();
    },
  },
  '0007_history_reads': {
    async up(db: Kysely<unknown>) {
      // Read marks for History's other events (invites, acceptances, key changes), by the key the browser
      // gives each: the server never learns more of them than that key.
      await db.schema
        .createTable('history_reads')
        .addColumn('account_id', 'text', (col) => col.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('event_key', 'text', (col) => col.notNull())
        .addColumn('read_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('history_reads_pk', ['account_id', 'event_key'])
        .execute();
      await db.schema.createIndex('history_reads_read_at').on('history_reads').column('read_at').execute();
    },
  },
  '0008_session_idle': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('sessions')
        .addColumn('last_seen_at', 'bigint', (col) => col.notNull().defaultTo(0))
        .execute();
      // Sessions from before count as last seen when they were made: one that has been idle past the
      // limit ends now, as it would have had the limit been there.
      await sql`update sessions set last_seen_at = created_at`.execute(db);
    },
  },
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** `schema`: on PostgreSQL, the schema the app's tables live in, where Kysely's own tables go too. */
export async function migrateToLatest<DB>(db: Kysely<DB>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  // Kysely sets `error` whenever a migration fails, and names the one that failed in `results`; before
  // any runs (its history names a migration this build lacks, say) there are no results.
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error');
  throw new Error(
    `Database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${describe(error)}`,
    { cause: error },
  );
}

function describe(error: unknown): string {
  // The driver's and Kysely's failures are Errors; only a migration of ours could throw anything else,
  // and none does, so no test can reach the second branch.
  // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable with these migrations.
  return error instanceof Error ? error.message : `a ${typeof error} was thrown`;
}
