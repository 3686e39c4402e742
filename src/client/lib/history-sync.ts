import {
  historyResponseSchema,
  starResponseSchema,
  type HistoryMessage,
} from '../../shared/protocol/history';
import { apiRequest } from './api-client';
import type { MessageRecord } from './message-record';
import { applyMarks, mergeHistory } from './message-store';

// This browser's copy of the account's History kept in step with the server's (DESIGN §1.6: history, read
// marks and stars sync to a second browser), and the marks this browser makes sent up.

const markPath = (from: string, id: string, what: 'star' | 'read') =>
  `/api/messages/${encodeURIComponent(from)}/${encodeURIComponent(id)}/${what}`;

function recordOf(accountName: string, message: HistoryMessage, now: number): MessageRecord {
  const sent = message.direction === 'sent';
  return {
    accountName,
    id: message.id,
    direction: message.direction,
    peer: sent ? message.to : message.from,
    envelope: message.envelope,
    // The writer's clock when the envelope is there, as for every other message; the server's otherwise.
    sentAt: message.envelope?.ts ?? message.acceptedAt,
    storedAt: now,
    status: sent ? message.status : 'delivered',
    statusReason: message.reason,
    statusAt: message.statusAt,
    readAt: message.read ? now : null,
    starred: message.starred,
  };
}

/**
 * Reads every page of the server's History and merges it here. A received message still waiting for this
 * account's acknowledgement is left to the push channel, which checks it on arrival and acknowledges it.
 */
export async function syncHistory(accountName: string, signal?: AbortSignal): Promise<number> {
  let cursor: string | null = null;
  let changed = 0;
  do {
    const query: string = cursor ? `?cursor=${cursor}&limit=500` : '?limit=500';
    const page = await apiRequest(`/api/history${query}`, historyResponseSchema, signal ? { signal } : {});
    const now = Date.now();
    const records = page.messages
      .filter((message) => message.direction === 'sent' || message.status === 'delivered')
      .map((message) => recordOf(accountName, message, now));
    changed += await mergeHistory(accountName, records);
    cursor = page.nextCursor;
  } while (cursor);
  return changed;
}

/** Tells the server (and so the account's other browsers) that a received message was opened. */
export async function sendReadMark(from: string, id: string): Promise<void> {
  await apiRequest(markPath(from, id, 'read'), null, { method: 'POST' });
}

/** Stars or unstars; a sixth star is refused by the server with the sentence to show. */
export async function setStar(
  accountName: string,
  message: { from: string; id: string; read: boolean },
  starred: boolean,
): Promise<void> {
  if (starred) {
    await apiRequest(markPath(message.from, message.id, 'star'), starResponseSchema, { method: 'PUT' });
  } else {
    await apiRequest(markPath(message.from, message.id, 'star'), null, { method: 'DELETE' });
  }
  await applyMarks(accountName, message.id, { read: message.read, starred }, Date.now());
}
