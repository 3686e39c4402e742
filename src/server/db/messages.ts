import { prepared } from './prepared';
import type { Db, MessagesTable } from './schema';

// Store-and-forward (DESIGN §2, §3): one row per (sender, envelope id). The envelope is only ever stored
// sealed under the server key (src/server/server-keys.ts); these functions never see it open. Every state
// change is a conditional UPDATE, so an acknowledgement racing the hold's expiry has exactly one winner.

export type NewMessageRow = Omit<MessagesTable, 'delivered_at' | 'failed_at' | 'fail_reason'>;

export interface HeldMessageRow {
  id: string;
  senderId: string;
  senderName: string;
  sealed: string;
  keyVersion: number;
  acceptedAt: number;
}

// Run for every message sent: prepared (see prepared.ts).
const insertNewMessage = prepared(
  8,
  (
    db,
    id: string,
    senderId: string,
    recipientName: string,
    recipientId: string | null,
    sealed: string,
    keyVersion: number,
    acceptedAt: number,
    expiresAt: number,
  ) =>
    db
      .insertInto('messages')
      .values({
        id,
        sender_id: senderId,
        recipient_name: recipientName,
        recipient_id: recipientId,
        sealed,
        key_version: keyVersion,
        accepted_at: acceptedAt,
        expires_at: expiresAt,
        delivered_at: null,
        failed_at: null,
        fail_reason: null,
      })
      .onConflict((conflict) => conflict.columns(['sender_id', 'id']).doNothing())
      .returning('accepted_at'),
);

/**
 * Stores the message unless the sender already used this id; in both cases returns the time of the first
 * acceptance and whether this call stored it. Racing sends of one id store one row: the primary key
 * decides, and the loser reads the winner's row once it has committed.
 */
export async function insertMessage(
  db: Db,
  row: NewMessageRow,
): Promise<{ acceptedAt: number; inserted: boolean }> {
  const inserted = (
    await insertNewMessage(
      db,
      row.id,
      row.sender_id,
      row.recipient_name,
      row.recipient_id,
      row.sealed,
      row.key_version,
      row.accepted_at,
      row.expires_at,
    )
  ).rows[0];
  if (inserted) return { acceptedAt: inserted.accepted_at, inserted: true };
  const first = await db
    .selectFrom('messages')
    .select('accepted_at')
    .where('sender_id', '=', row.sender_id)
    .where('id', '=', row.id)
    .executeTakeFirst();
  if (!first) throw new Error('A message vanished after a conflicting insert.');
  return { acceptedAt: first.accepted_at, inserted: false };
}

/** A held message's columns, sealed envelope included, and its sender's community name. */
function heldMessages(db: Db) {
  return db
    .selectFrom('messages')
    .innerJoin('identities', 'identities.account_id', 'messages.sender_id')
    .select([
      'messages.id as id',
      'messages.sender_id as senderId',
      'identities.community_name as senderName',
      'messages.sealed as sealed',
      'messages.key_version as keyVersion',
      'messages.accepted_at as acceptedAt',
    ]);
}

function heldFor(db: Db, recipientId: string) {
  return heldMessages(db)
    .where('messages.recipient_id', '=', recipientId)
    .where('messages.sealed', '!=', '')
    .where('identities.community_name', 'is not', null)
    .$narrowType<{ senderName: string }>();
}

/** What waits for `recipientId`: not acknowledged, not expired, oldest first. */
export async function listPendingMessages(
  db: Db,
  recipientId: string,
  now: number,
  limit: number,
): Promise<HeldMessageRow[]> {
  return heldFor(db, recipientId)
    .where('messages.delivered_at', 'is', null)
    .where('messages.failed_at', 'is', null)
    .where('messages.expires_at', '>', now)
    .orderBy('messages.accepted_at')
    .orderBy('messages.id')
    .limit(limit)
    .execute();
}

/** One message to `recipientId` whose content is still held (delivered or not), for replaying its event. */
export async function findHeldMessage(
  db: Db,
  recipientId: string,
  senderName: string,
  id: string,
): Promise<HeldMessageRow | null> {
  return (
    (await heldFor(db, recipientId)
      .where('identities.community_name', '=', senderName)
      .where('messages.id', '=', id)
      .where('messages.failed_at', 'is', null)
      .executeTakeFirst()) ?? null
  );
}

export interface HeldMessageRef {
  recipientId: string;
  senderName: string;
  id: string;
}

/** The key `findHeldMessages` files each found message under. */
export const heldMessageKey = (ref: HeldMessageRef) => `${ref.recipientId} ${ref.senderName} ${ref.id}`;

/** Rows looked up per statement. */
const REFS_PER_STATEMENT = 200;

/**
 * `findHeldMessage` for many at once (the PostgreSQL event bus reads a batch of another instance's
 * events): one statement per 200, keyed by `heldMessageKey`; those no longer held are not in the map.
 */
export async function findHeldMessages(
  db: Db,
  refs: readonly HeldMessageRef[],
): Promise<Map<string, HeldMessageRow>> {
  const found = new Map<string, HeldMessageRow>();
  for (let start = 0; start < refs.length; start += REFS_PER_STATEMENT) {
    const chunk = refs.slice(start, start + REFS_PER_STATEMENT);
    const rows = await heldMessages(db)
      .select('messages.recipient_id as recipientId')
      .where((eb) =>
        eb(
          eb.refTuple('identities.community_name', 'messages.id'),
          'in',
          chunk.map((ref) => eb.tuple(ref.senderName, ref.id)),
        ),
      )
      .where('messages.sealed', '!=', '')
      .where('messages.failed_at', 'is', null)
      .$narrowType<{ senderName: string }>()
      .execute();
    for (const { recipientId, ...row } of rows) {
      // The same pair could name a message to someone else: it is only found for its own recipient.
      if (recipientId === null) continue;
      found.set(heldMessageKey({ recipientId, senderName: row.senderName, id: row.id }), row);
    }
  }
  return found;
}

export type AckOutcome =
  | { outcome: 'delivered'; senderId: string; recipientName: string }
  | { outcome: 'already_delivered' }
  | { outcome: 'not_found' };

// Run for every acknowledgement: prepared (see prepared.ts).
const ackTarget = prepared(3, (db, senderName: string, id: string, recipientId: string) =>
  db
    .selectFrom('messages')
    .innerJoin('identities', 'identities.account_id', 'messages.sender_id')
    .select([
      'messages.sender_id as senderId',
      'messages.recipient_name as recipientName',
      'messages.delivered_at as deliveredAt',
      'messages.failed_at as failedAt',
    ])
    .where('identities.community_name', '=', senderName)
    .where('messages.id', '=', id)
    .where('messages.recipient_id', '=', recipientId),
);

const markDelivered = prepared(3, (db, now: number, senderId: string, id: string) =>
  db
    .updateTable('messages')
    .set({ delivered_at: now })
    .where('sender_id', '=', senderId)
    .where('id', '=', id)
    .where('delivered_at', 'is', null)
    .where('failed_at', 'is', null),
);

/**
 * The recipient acknowledges a message from `senderName`. Sets `delivered_at` once; a second ack is
 * answered alike without a second status. Only the recipient's own, still-held messages qualify: anything
 * else, expired ones included, is not found.
 */
export async function acknowledgeMessage(
  db: Db,
  ack: { recipientId: string; senderName: string; id: string; now: number },
): Promise<AckOutcome> {
  const row = (await ackTarget(db, ack.senderName, ack.id, ack.recipientId)).rows[0];
  if (!row || row.failedAt !== null) return { outcome: 'not_found' };
  if (row.deliveredAt !== null) return { outcome: 'already_delivered' };
  const updated = await markDelivered(db, ack.now, row.senderId, ack.id);
  if (Number(updated.numAffectedRows ?? 0) > 0) {
    return { outcome: 'delivered', senderId: row.senderId, recipientName: row.recipientName };
  }
  // A racing ack won (or the hold expired meanwhile): read again to answer like the winner would.
  const again = await db
    .selectFrom('messages')
    .select(['delivered_at as deliveredAt'])
    .where('sender_id', '=', row.senderId)
    .where('id', '=', ack.id)
    .executeTakeFirst();
  return again?.deliveredAt != null ? { outcome: 'already_delivered' } : { outcome: 'not_found' };
}

/** Messages past their hold and never acknowledged, dropped ones included, at most `limit`. */
export async function listExpiredMessages(
  db: Db,
  now: number,
  limit: number,
): Promise<{ senderId: string; id: string }[]> {
  return db
    .selectFrom('messages')
    .select(['sender_id as senderId', 'id'])
    .where('expires_at', '<=', now)
    .where('delivered_at', 'is', null)
    .where('failed_at', 'is', null)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}

/**
 * Marks one message failed and destroys its content, unless it was acknowledged or failed meanwhile.
 * Returns the recipient's name for the sender's status, or null when nothing changed.
 */
export async function failMessage(
  db: Db,
  fail: { senderId: string; id: string; now: number; reason: string },
): Promise<{ recipientName: string } | null> {
  const row = await db
    .updateTable('messages')
    .set({ failed_at: fail.now, fail_reason: fail.reason, sealed: '' })
    .where('sender_id', '=', fail.senderId)
    .where('id', '=', fail.id)
    .where('delivered_at', 'is', null)
    .where('failed_at', 'is', null)
    .returning('recipient_name as recipientName')
    .executeTakeFirst();
  return row ?? null;
}
