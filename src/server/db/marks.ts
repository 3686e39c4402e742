import type { ExpressionBuilder } from 'kysely';
import type { Database, Db } from './schema';

// Read marks, stars and the History listing (DESIGN §1.6, §1.7). Only the message's sender or its
// recipient may mark it; the functions take the caller's id and find nothing for anyone else.

/** A message as one of its two parties names it: the sender's community name and the envelope id. */
export interface MessageRef {
  senderName: string;
  id: string;
}

export interface PartyMessage {
  senderId: string;
  id: string;
  /** '' once the content is destroyed. */
  sealed: string;
}

/** The message if `accountId` sent or received it (a dropped message is its sender's only). */
export async function findPartyMessage(
  db: Db,
  accountId: string,
  ref: MessageRef,
): Promise<PartyMessage | null> {
  const row = await db
    .selectFrom('messages')
    .innerJoin('identities', 'identities.account_id', 'messages.sender_id')
    .select(['messages.sender_id as senderId', 'messages.id as id', 'messages.sealed as sealed'])
    .where('identities.community_name', '=', ref.senderName)
    .where('messages.id', '=', ref.id)
    .where((eb) =>
      eb.or([eb('messages.sender_id', '=', accountId), eb('messages.recipient_id', '=', accountId)]),
    )
    .executeTakeFirst();
  return row ?? null;
}

export async function countStars(db: Db, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('message_stars')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

async function isStarred(db: Db, accountId: string, message: PartyMessage): Promise<boolean> {
  const row = await db
    .selectFrom('message_stars')
    .select('slot')
    .where('account_id', '=', accountId)
    .where('sender_id', '=', message.senderId)
    .where('message_id', '=', message.id)
    .executeTakeFirst();
  return row !== undefined;
}

export type StarOutcome = 'starred' | 'already_starred' | 'full';

/**
 * Stars the message in a free slot of `maxStars`. Each attempt is one insert that either takes its slot
 * or does nothing (the slot taken meanwhile, or this message starred by a racing request), so concurrent
 * stars can never hold more than `maxStars` slots.
 */
export async function starMessage(
  db: Db,
  accountId: string,
  message: PartyMessage,
  now: number,
  maxStars: number,
): Promise<StarOutcome> {
  for (let attempt = 0; attempt <= maxStars; attempt += 1) {
    if (await isStarred(db, accountId, message)) return 'already_starred';
    const used = new Set(
      (await db.selectFrom('message_stars').select('slot').where('account_id', '=', accountId).execute()).map(
        (row) => row.slot,
      ),
    );
    const free = Array.from({ length: maxStars }, (_, index) => index + 1).find((slot) => !used.has(slot));
    if (free === undefined) return 'full';
    const inserted = await db
      .insertInto('message_stars')
      .values({
        account_id: accountId,
        slot: free,
        sender_id: message.senderId,
        message_id: message.id,
        starred_at: now,
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning('slot')
      .executeTakeFirst();
    if (inserted) return 'starred';
  }
  return (await isStarred(db, accountId, message)) ? 'already_starred' : 'full';
}

/** Returns whether there was a star to remove. */
export async function unstarMessage(db: Db, accountId: string, message: PartyMessage): Promise<boolean> {
  const result = await db
    .deleteFrom('message_stars')
    .where('account_id', '=', accountId)
    .where('sender_id', '=', message.senderId)
    .where('message_id', '=', message.id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Keeps the first time; returns whether this call marked it. */
export async function markMessageRead(
  db: Db,
  accountId: string,
  message: PartyMessage,
  now: number,
): Promise<boolean> {
  const inserted = await db
    .insertInto('message_reads')
    .values({ account_id: accountId, sender_id: message.senderId, message_id: message.id, read_at: now })
    .onConflict((conflict) => conflict.doNothing())
    .returning('read_at')
    .executeTakeFirst();
  return inserted !== undefined;
}

export interface HistoryRow {
  id: string;
  senderId: string;
  senderName: string;
  recipientId: string | null;
  recipientName: string;
  sealed: string;
  keyVersion: number;
  acceptedAt: number;
  expiresAt: number;
  deliveredAt: number | null;
  failedAt: number | null;
  failReason: string | null;
  readAt: number | null;
  starredAt: number | null;
}

/** Where a page ends: the last row's sort keys. */
export interface HistoryCursor {
  acceptedAt: number;
  senderId: string;
  id: string;
}

/**
 * `accountId`'s messages, sent and received, newest first: those accepted since `since`, and older ones it
 * starred. Keyset pages: rows strictly after `after` in (accepted_at desc, sender_id, id) order.
 */
export async function listHistory(
  db: Db,
  accountId: string,
  options: { since: number; after: HistoryCursor | null; limit: number },
): Promise<HistoryRow[]> {
  let query = db
    .selectFrom('messages')
    .innerJoin('identities', 'identities.account_id', 'messages.sender_id')
    .leftJoin('message_reads', (join) =>
      join
        .onRef('message_reads.sender_id', '=', 'messages.sender_id')
        .onRef('message_reads.message_id', '=', 'messages.id')
        .on('message_reads.account_id', '=', accountId),
    )
    .leftJoin('message_stars', (join) =>
      join
        .onRef('message_stars.sender_id', '=', 'messages.sender_id')
        .onRef('message_stars.message_id', '=', 'messages.id')
        .on('message_stars.account_id', '=', accountId),
    )
    .select([
      'messages.id as id',
      'messages.sender_id as senderId',
      'identities.community_name as senderName',
      'messages.recipient_id as recipientId',
      'messages.recipient_name as recipientName',
      'messages.sealed as sealed',
      'messages.key_version as keyVersion',
      'messages.accepted_at as acceptedAt',
      'messages.expires_at as expiresAt',
      'messages.delivered_at as deliveredAt',
      'messages.failed_at as failedAt',
      'messages.fail_reason as failReason',
      'message_reads.read_at as readAt',
      'message_stars.starred_at as starredAt',
    ])
    .where((eb) =>
      eb.or([eb('messages.sender_id', '=', accountId), eb('messages.recipient_id', '=', accountId)]),
    )
    .where((eb) =>
      eb.or([eb('messages.accepted_at', '>=', options.since), eb('message_stars.slot', 'is not', null)]),
    )
    .where('identities.community_name', 'is not', null);
  const after = options.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('messages.accepted_at', '<', after.acceptedAt),
        eb.and([
          eb('messages.accepted_at', '=', after.acceptedAt),
          eb('messages.sender_id', '>', after.senderId),
        ]),
        eb.and([
          eb('messages.accepted_at', '=', after.acceptedAt),
          eb('messages.sender_id', '=', after.senderId),
          eb('messages.id', '>', after.id),
        ]),
      ]),
    );
  }
  const rows = await query
    .orderBy('messages.accepted_at', 'desc')
    .orderBy('messages.sender_id')
    .orderBy('messages.id')
    .limit(options.limit)
    .execute();
  return rows.map((row) => ({ ...row, senderName: row.senderName ?? '' }));
}

/** A message on its way (Sending, Enqueued) keeps everything until it finishes; a starred one is kept. */
function finishedAndUnstarred(eb: ExpressionBuilder<Database, 'messages'>) {
  return eb.and([
    eb.or([eb('delivered_at', 'is not', null), eb('failed_at', 'is not', null)]),
    eb.not(
      eb.exists(
        eb
          .selectFrom('message_stars')
          .select('message_stars.slot')
          .whereRef('message_stars.sender_id', '=', 'messages.sender_id')
          .whereRef('message_stars.message_id', '=', 'messages.id'),
      ),
    ),
  ]);
}

/**
 * The retention sweep's half for messages (DESIGN §2): content of finished messages older than `contentCutoff`
 * is destroyed unless someone starred it, and rows older than `rowCutoff` go unless someone starred them,
 * with their read marks. Returns how many were emptied and removed.
 */
export async function sweepMessages(
  db: Db,
  cutoffs: { contentCutoff: number; rowCutoff: number },
): Promise<{ emptied: number; removed: number }> {
  const emptied = await db
    .updateTable('messages')
    .set({ sealed: '' })
    .where('sealed', '!=', '')
    .where('accepted_at', '<', cutoffs.contentCutoff)
    .where(finishedAndUnstarred)
    .executeTakeFirst();
  const removed = await db
    .deleteFrom('messages')
    .where('accepted_at', '<', cutoffs.rowCutoff)
    .where(finishedAndUnstarred)
    .executeTakeFirst();
  // Read marks of messages that are gone.
  await db
    .deleteFrom('message_reads')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('messages')
            .select('messages.id')
            .whereRef('messages.sender_id', '=', 'message_reads.sender_id')
            .whereRef('messages.id', '=', 'message_reads.message_id'),
        ),
      ),
    )
    .execute();
  return { emptied: Number(emptied.numUpdatedRows), removed: Number(removed.numDeletedRows) };
}

/** The caller's own marks on a message, as `message.marks` tells its other browsers. */
export async function marksOf(
  db: Db,
  accountId: string,
  message: PartyMessage,
): Promise<{ read: boolean; starred: boolean }> {
  const read = await db
    .selectFrom('message_reads')
    .select('read_at')
    .where('account_id', '=', accountId)
    .where('sender_id', '=', message.senderId)
    .where('message_id', '=', message.id)
    .executeTakeFirst();
  return {
    read: message.senderId === accountId || read !== undefined,
    starred: await isStarred(db, accountId, message),
  };
}

/** Records History events as opened; returns the keys that were not recorded before. */
export async function markEventsRead(
  db: Db,
  accountId: string,
  keys: readonly string[],
  now: number,
): Promise<string[]> {
  const fresh: string[] = [];
  for (const key of new Set(keys)) {
    const inserted = await db
      .insertInto('history_reads')
      .values({ account_id: accountId, event_key: key, read_at: now })
      .onConflict((conflict) => conflict.doNothing())
      .returning('event_key')
      .executeTakeFirst();
    if (inserted) fresh.push(key);
  }
  return fresh;
}

export async function listEventReads(db: Db, accountId: string, since: number): Promise<string[]> {
  const rows = await db
    .selectFrom('history_reads')
    .select('event_key')
    .where('account_id', '=', accountId)
    .where('read_at', '>=', since)
    .orderBy('event_key')
    .execute();
  return rows.map((row) => row.event_key);
}

/** The retention sweep's half for History's other events: marks older than the window go. */
export async function deleteEventReadsBefore(db: Db, cutoff: number): Promise<number> {
  const result = await db.deleteFrom('history_reads').where('read_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
