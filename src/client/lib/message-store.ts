import type { EnvelopeV1 } from '../../shared/protocol/messages';
import { ringpostDb } from './db';

// This browser's messages, kept sealed: the text exists only inside the crypto worker, and on screen while
// it is shown. Sent messages carry their status (DESIGN §2); received ones are stored before the server
// is told they arrived, so "Delivered" always means "kept in the recipient's browser".

export type SentStatus = 'sending' | 'enqueued' | 'delivered' | 'error';

export interface MessageRecord {
  accountName: string;
  /** The envelope id, chosen by the sender's browser. */
  id: string;
  direction: 'sent' | 'received';
  /** The other person's community name. */
  peer: string;
  envelope: EnvelopeV1;
  /** The sender's clock, from the envelope. */
  sentAt: number;
  /** When this browser stored it. */
  storedAt: number;
  /** Sent messages only: where it is on its way. Received ones are 'delivered'. */
  status: SentStatus;
  /** For 'error': a sentence saying why, e.g. "not delivered within 72 h". */
  statusReason: string | null;
  statusAt: number;
}

const listeners = new Set<() => void>();
// Other tabs of this browser hear of changes too, so a message received in one shows in all.
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('ringpost-messages') : null;
channel?.addEventListener('message', () => notify(false));

function notify(broadcast = true): void {
  for (const listener of listeners) listener();
  if (broadcast) channel?.postMessage('changed');
}

export function subscribeMessages(listener: () => void): () => void {
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
  if (!existing) notify();
  return !existing;
}

const STATUS_ORDER: Record<SentStatus, number> = { sending: 0, enqueued: 1, delivered: 2, error: 2 };

/**
 * Moves a sent message's status forward, never back: a late "enqueued" from a slow retry must not undo a
 * "delivered" that the push channel brought first.
 */
export async function updateStatus(
  accountName: string,
  id: string,
  status: SentStatus,
  reason: string | null,
  at: number,
): Promise<void> {
  const db = await ringpostDb();
  const tx = db.transaction('messages', 'readwrite');
  const record = await tx.store.get([accountName, id]);
  let changed = false;
  if (record && record.direction === 'sent' && STATUS_ORDER[status] > STATUS_ORDER[record.status]) {
    await tx.store.put({ ...record, status, statusReason: reason, statusAt: at });
    changed = true;
  }
  await tx.done;
  if (changed) notify();
}
