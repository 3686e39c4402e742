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

/**
 * Appends one event to `accountId`'s log; run inside the transaction of the write it describes. The
 * account's head row is written first, which on PostgreSQL holds its lock until commit: appends for one
 * account then commit in the order of their numbers, so a browser never sees a number before a smaller one
 * that is still to come.
 */
export async function appendEvent(
  db: Db,
  accountId: string,
  event: { type: string; payload: string },
  now: number,
): Promise<number> {
  await touchHead(db, accountId, now);
  const row = (await insertEvent(db, accountId, event.type, event.payload, now)).rows[0];
  if (!row) throw new Error('The event log returned no number.');
  return Number(row.seq);
}

// Run for every event: prepared (see prepared.ts).
const touchHead = prepared(2, (db, accountId: string, now: number) =>
  db
    .insertInto('event_heads')
    .values({ account_id: accountId, appended_at: now })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ appended_at: now })),
);

const insertEvent = prepared(4, (db, accountId: string, type: string, payload: string, now: number) =>
  db.insertInto('events').values({ account_id: accountId, type, payload, created_at: now }).returning('seq'),
);

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
