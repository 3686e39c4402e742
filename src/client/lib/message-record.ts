import type { EnvelopeV1 } from '../../shared/protocol/messages';

// A message as this browser keeps it (lib/message-store.ts); apart from the store so pure modules and
// their tests can use the shape without IndexedDB.

export type SentStatus = 'sending' | 'enqueued' | 'delivered' | 'error';

export interface MessageRecord {
  accountName: string;
  /** The envelope id, chosen by the sender's browser. */
  id: string;
  direction: 'sent' | 'received';
  /** The other person's community name. */
  peer: string;
  /**
   * Null once the content is destroyed (after the retention period, DESIGN §2): the row stays and reads
   * "Message sent" / "Message received" until it leaves History's window.
   */
  envelope: EnvelopeV1 | null;
  /** The sender's clock, from the envelope. */
  sentAt: number;
  /** When this browser stored it. */
  storedAt: number;
  /** Sent messages only: where it is on its way. Received ones are 'delivered'. */
  status: SentStatus;
  /** For 'error': a sentence saying why, e.g. "not delivered within 72 h". */
  statusReason: string | null;
  statusAt: number;
  /**
   * Received messages: when this account first opened it, here or in another browser; absent or null while
   * unread. Records stored before reading existed have no field, and count as unread.
   */
  readAt?: number | null;
  /** Starred by this account (at most five): kept past retention here and on the server. */
  starred?: boolean;
}

/** A received message nobody has opened yet (History shows it in bold and counts it). */
export function isUnread(message: MessageRecord): boolean {
  return message.direction === 'received' && (message.readAt ?? null) === null;
}

/** What is left to show of a message whose content is gone (the PrivateGSM seed's words). */
export function expiredWords(message: MessageRecord): string {
  return message.direction === 'sent' ? 'Message sent' : 'Message received';
}
