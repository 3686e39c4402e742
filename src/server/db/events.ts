import { PostgresAdapter, sql } from 'kysely';
import { prepared } from './prepared';
import type { Db } from './schema';

// The push channel's log (DESIGN §3): every event an account is pushed is appended here first, numbered,
// so a browser that reconnects with `Last-Event-ID` is sent what it missed. Payloads are JSON; a message
// event holds only a reference to its row, so the envelope is never stored outside the sealed column.

export interface LoggedEventRow {
  seq: number;
  type: string;
  payload: string;
}

export interface EventAppend {
  accountId: string;
  event: { type: string; payload: string };
  now: number;
}

/**
 * Appends events to their accounts' logs, in the order given, and returns their numbers in that order;
 * run inside the transaction of the writes they describe. Each account's head row is written first,
 * which on PostgreSQL holds its lock until commit: appends for one account then commit in the order of
 * their numbers, so a browser never sees a number before a smaller one that is still to come. Give the
 * appends sorted by account, so transactions committing side by side take those locks in one order.
 *
 * On PostgreSQL, two statements for up to 500 events: a batch of writes holds the head locks for two
 * round trips, not two per event (there the round trips, not the CPU, bounded the rate; bench/README.md).
 * SQLite has no round trips, and there two prepared statements per event cost less than building one
 * statement of many rows.
 */
export async function appendEvents(db: Db, appends: readonly EventAppend[]): Promise<number[]> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    const seqs: number[] = [];
    for (const { accountId, event, now } of appends) {
      await touchHead(db, accountId, now);
      const row = (await insertEvent(db, accountId, event.type, event.payload, now)).rows[0];
      if (!row) throw new Error('The event log returned no number.');
      seqs.push(Number(row.seq));
    }
    return seqs;
  }
  // One row per account: an upsert may not touch the same row twice. Insertion order is lock order.
  const heads = new Map<string, number>();
  for (const { accountId, now } of appends) heads.set(accountId, Math.max(heads.get(accountId) ?? now, now));
  for (const chunk of chunks([...heads], ROWS_PER_STATEMENT)) {
    await db
      .insertInto('event_heads')
      .values(chunk.map(([accountId, now]) => ({ account_id: accountId, appended_at: now })))
      .onConflict((conflict) =>
        conflict.column('account_id').doUpdateSet((eb) => ({ appended_at: eb.ref('excluded.appended_at') })),
      )
      .execute();
  }
  const seqs: number[] = [];
  for (const chunk of chunks(appends, ROWS_PER_STATEMENT)) {
    const rows = await db
      .insertInto('events')
      .values(
        chunk.map(({ accountId, event, now }) => ({
          account_id: accountId,
          type: event.type,
          payload: event.payload,
          created_at: now,
        })),
      )
      .returning('seq')
      .execute();
    if (rows.length !== chunk.length) throw new Error('The event log returned too few numbers.');
    // One statement numbers its rows in the order it inserts them, which is the order of its values; the
    // order RETURNING lists them in is not promised, so sort them back.
    seqs.push(...rows.map((row) => Number(row.seq)).sort((a, b) => a - b));
  }
  return seqs;
}

// Run for every event on SQLite: prepared (see prepared.ts).
const touchHead = prepared(2, (db, accountId: string, now: number) =>
  db
    .insertInto('event_heads')
    .values({ account_id: accountId, appended_at: now })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ appended_at: now })),
);

const insertEvent = prepared(4, (db, accountId: string, type: string, payload: string, now: number) =>
  db.insertInto('events').values({ account_id: accountId, type, payload, created_at: now }).returning('seq'),
);

/** Rows per statement: four parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 500;

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** `accountId`'s events numbered after `afterSeq`, oldest first, at most `limit`. */
export async function listEventsAfter(
  db: Db,
  accountId: string,
  afterSeq: number,
  limit: number,
): Promise<LoggedEventRow[]> {
  const rows = await db
    .selectFrom('events')
    .select(['seq', 'type', 'payload'])
    .where('account_id', '=', accountId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** The number of `accountId`'s latest event, or 0 before its first. */
export async function latestEventSeq(db: Db, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** Forgets events older than `cutoff` (the retention sweep); returns how many went. */
export async function deleteEventsBefore(db: Db, cutoff: number): Promise<number> {
  const result = await db.deleteFrom('events').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface AccountEventRow extends LoggedEventRow {
  accountId: string;
}

/** The events with these numbers, oldest first; those gone past retention are simply not there. */
export async function listEventsBySeq(db: Db, seqs: readonly number[]): Promise<AccountEventRow[]> {
  const rows: AccountEventRow[] = [];
  for (const chunk of chunks(seqs, ROWS_PER_STATEMENT)) {
    const found = await db
      .selectFrom('events')
      .select(['seq', 'account_id', 'type', 'payload'])
      .where('seq', 'in', chunk)
      .execute();
    for (const row of found) rows.push({ ...row, seq: Number(row.seq), accountId: row.account_id });
  }
  return rows.sort((a, b) => a.seq - b.seq);
}

/** Accounts per statement when reading several logs at once. */
const ACCOUNTS_PER_STATEMENT = 500;

/**
 * Each account's events after its own number, at most `limit` an account, oldest first: one indexed
 * range per account in a statement of up to 500 accounts. PostgreSQL only (the push sweep of pg-event-bus).
 */
export async function listEventsAfterEach(
  db: Db,
  floors: readonly { accountId: string; after: number }[],
  limit: number,
): Promise<AccountEventRow[]> {
  const rows: AccountEventRow[] = [];
  for (const chunk of chunks(floors, ACCOUNTS_PER_STATEMENT)) {
    const found = await sql<{ account_id: string; seq: number | string; type: string; payload: string }>`
      select floors.account_id, e.seq, e.type, e.payload
      from unnest(${chunk.map((floor) => floor.accountId)}::text[], ${chunk.map((floor) => floor.after)}::bigint[])
        as floors(account_id, after)
      cross join lateral (
        select seq, type, payload from events
        where events.account_id = floors.account_id and events.seq > floors.after
        order by seq limit ${limit}
      ) as e`.execute(db);
    for (const row of found.rows) rows.push({ ...row, seq: Number(row.seq), accountId: row.account_id });
  }
  return rows.sort((a, b) => a.seq - b.seq);
}
