import { ringpostDb } from './db';
import { isUnread, type MessageRecord, type SentStatus } from './message-record';

// This browser's messages, kept sealed: the text exists only inside the crypto worker, and on screen while
// it is shown. Sent messages carry their status (DESIGN §2); received ones are stored before the server
// is told they arrived, so "Delivered" always means "kept in the recipient's browser".

export { isUnread, type MessageRecord, type SentStatus } from './message-record';

/**
 * What a write changed, for the lists kept in memory (lib/stored-messages.ts): these records as they now
 * stand, or, after a write of many or a deletion, that the account's list must be read again.
 */
export type MessageChange =
  | { accountName: string; records: readonly MessageRecord[] }
  /** accountName null: every account's (a tab of an older version said only that something changed). */
  | { accountName: string | null; reread: true };

const listeners = new Set<(change: MessageChange) => void>();
// Other tabs of this browser hear of changes too, so a message received in one shows in all. They are told
// only which records changed and read them from IndexedDB, which holds the latest whichever tab wrote
// last; a record sent along could arrive after a newer local write and undo it on screen. Only this
// origin's pages can post here; a message of another shape (an older tab's) asks every list to be read
// again.
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('ringpost-messages') : null;
let fromOtherTabs = Promise.resolve();
channel?.addEventListener('message', (event: MessageEvent<unknown>) => {
  const told = broadcastFrom(event.data);
  // One after another, so the lists hear of the changes in the order they were made.
  fromOtherTabs = fromOtherTabs
    .then(async () => {
      notify(
        'ids' in told
          ? { accountName: told.accountName, records: await getMessages(told.accountName, told.ids) }
          : told,
        false,
      );
    })
    .catch(() => notify({ accountName: null, reread: true }, false));
});

type Broadcast = { accountName: string; ids: string[] } | Extract<MessageChange, { reread: true }>;

function broadcastFrom(data: unknown): Broadcast {
  const { accountName, ids, reread } = (typeof data === 'object' && data !== null ? data : {}) as {
    accountName?: unknown;
    ids?: unknown;
    reread?: unknown;
  };
  if (typeof accountName !== 'string') return { accountName: null, reread: true };
  if (reread !== true && Array.isArray(ids) && ids.every((id) => typeof id === 'string')) {
    return { accountName, ids };
  }
  return { accountName, reread: true };
}

function notify(change: MessageChange, broadcast = true): void {
  for (const listener of listeners) listener(change);
  if (!broadcast || !channel) return;
  const told: Broadcast =
    'records' in change
      ? { accountName: change.accountName, ids: change.records.map((record) => record.id) }
      : change;
  channel.postMessage(told);
}

/** The account's records with these ids, those that are there. */
async function getMessages(accountName: string, ids: readonly string[]): Promise<MessageRecord[]> {
  const db = await ringpostDb();
  const tx = db.transaction('messages', 'readonly');
  const records = await Promise.all(ids.map((id) => tx.store.get([accountName, id])));
  await tx.done;
  return records.filter((record) => record !== undefined);
}

export function subscribeMessages(listener: (change: MessageChange) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function listMessages(accountName: string): Promise<MessageRecord[]> {
  const db = await ringpostDb();
  const range = IDBKeyRange.bound([accountName, -Infinity], [accountName, Infinity]);
  return (await db.getAllFromIndex('messages', 'account-time', range)).reverse();
}

/** Stores a message once: a record already there (the same envelope pushed twice) is kept as it is. */
export async function addMessage(record: MessageRecord): Promise<boolean> {
  const db = await ringpostDb();
  const tx = db.transaction('messages', 'readwrite');
  const existing = await tx.store.get([record.accountName, record.id]);
  if (!existing) await tx.store.put(record);
  await tx.done;
  if (!existing) notify({ accountName: record.accountName, records: [record] });
  return !existing;
}

const STATUS_ORDER: Record<SentStatus, number> = { sending: 0, enqueued: 1, delivered: 2, error: 2 };

/**
 * Moves a sent message's status forward, never back: a late "enqueued" from a slow retry must not undo a
 * "delivered" that the push channel brought first.
 */
/**
 * Changes one record in one transaction: `change` gets the stored record and returns its replacement, or
 * null to leave it as it is. Returns whether it changed; listeners hear of it only then.
 */
async function updateRecord(
  accountName: string,
  id: string,
  change: (record: MessageRecord) => MessageRecord | null,
): Promise<boolean> {
  const db = await ringpostDb();
  const tx = db.transaction('messages', 'readwrite');
  const record = await tx.store.get([accountName, id]);
  const next = record ? change(record) : null;
  if (next) await tx.store.put(next);
  await tx.done;
  if (next) notify({ accountName, records: [next] });
  return next !== null;
}

export async function updateStatus(
  accountName: string,
  id: string,
  status: SentStatus,
  reason: string | null,
  at: number,
): Promise<void> {
  await updateRecord(accountName, id, (record) =>
    record.direction === 'sent' && STATUS_ORDER[status] > STATUS_ORDER[record.status]
      ? { ...record, status, statusReason: reason, statusAt: at }
      : null,
  );
}

/** Marks a received message read, once; returns whether it was unread until now. */
export async function markRead(accountName: string, id: string, at: number): Promise<boolean> {
  return updateRecord(accountName, id, (record) => (isUnread(record) ? { ...record, readAt: at } : null));
}

/**
 * Applies the retention rule to this browser's copies (DESIGN §2), as the server does to its own: content
 * older than `retentionMs` is destroyed, the row kept as "Message sent" / "Message received"; rows older
 * than `historyMs` go. Messages still on their way (Sending, Enqueued) keep theirs until they finish.
 * Returns how many records changed.
 */
export async function purgeExpired(
  accountName: string,
  now: number,
  limits: { retentionMs: number; historyMs: number },
): Promise<number> {
  const db = await ringpostDb();
  const tx = db.transaction('messages', 'readwrite');
  const range = IDBKeyRange.bound([accountName, -Infinity], [accountName, now - limits.retentionMs]);
  let changed = 0;
  for (
    let cursor = await tx.store.index('account-time').openCursor(range);
    cursor;
    cursor = await cursor.continue()
  ) {
    const record = cursor.value;
    const finished =
      record.direction === 'received' || record.status === 'delivered' || record.status === 'error';
    // A starred message keeps everything, here as on the server.
    if (record.starred) continue;
    if (record.sentAt < now - limits.historyMs) {
      await cursor.delete();
      changed += 1;
    } else if (record.envelope && finished) {
      await cursor.update({ ...record, envelope: null });
      changed += 1;
    }
  }
  await tx.done;
  if (changed > 0) notify({ accountName, reread: true });
  return changed;
}

/** Applies this account's marks as the server knows them (another browser read or starred it). */
export async function applyMarks(
  accountName: string,
  id: string,
  marks: { read: boolean; starred: boolean },
  at: number,
): Promise<void> {
  await updateRecord(accountName, id, (record) => {
    const readAt = marks.read ? (record.readAt ?? at) : (record.readAt ?? null);
    return readAt !== (record.readAt ?? null) || marks.starred !== (record.starred ?? false)
      ? { ...record, readAt, starred: marks.starred }
      : null;
  });
}

/**
 * Merges the server's History into this browser (a second browser of the account, or one that was away):
 * messages it lacks are added, still sealed; known ones take the server's status, marks and, when the
 * server destroyed the content, lose theirs. Returns how many records changed.
 */
export async function mergeHistory(accountName: string, incoming: readonly MessageRecord[]): Promise<number> {
  const db = await ringpostDb();
  const tx = db.transaction('messages', 'readwrite');
  let changed = 0;
  for (const next of incoming) {
    const known = await tx.store.get([accountName, next.id]);
    if (!known) {
      await tx.store.put(next);
      changed += 1;
      continue;
    }
    const forward = STATUS_ORDER[next.status] > STATUS_ORDER[known.status];
    const merged: MessageRecord = {
      ...known,
      status: forward ? next.status : known.status,
      statusReason: forward ? next.statusReason : known.statusReason,
      statusAt: forward ? next.statusAt : known.statusAt,
      readAt: known.readAt ?? next.readAt ?? null,
      starred: next.starred ?? false,
      envelope: next.envelope === null && !next.starred ? null : known.envelope,
    };
    if (JSON.stringify(merged) !== JSON.stringify(known)) {
      await tx.store.put(merged);
      changed += 1;
    }
  }
  await tx.done;
  if (changed > 0) notify({ accountName, reread: true });
  return changed;
}
