import type { PinSet } from '../../../../shared/crypto/pin-blob';
import type { RingResponse } from '../../../../shared/protocol/ring';
import { isUnread, type MessageRecord } from '../../../lib/message-record';

// What History lists (DESIGN §1.6, the PrivateGSM seed): every event of the window, newest first. Messages
// come from this browser's store; invites and acceptances from the Ring; key-change alarms from the pins.

/** `unread`: news this account has not opened in any browser (its own acts, like accepting, never are). */
export type HistoryEvent = { key: string; at: number; peer: string; unread: boolean } & (
  | { kind: 'message'; message: MessageRecord }
  | { kind: 'invite' }
  | { kind: 'joined'; invitedByMe: boolean }
  | { kind: 'key-change'; resolved: boolean }
);

export function historyEvents(input: {
  messages: readonly MessageRecord[];
  ring: RingResponse | undefined;
  pins: PinSet | null;
  now: number;
  windowMs: number;
  /** Keys of the events (not messages) opened in some browser of the account. */
  read: ReadonlySet<string>;
}): HistoryEvent[] {
  const news = (key: string) => !input.read.has(key);
  const since = input.now - input.windowMs;
  const events: HistoryEvent[] = [];
  for (const message of input.messages) {
    // A message is dated by when it was written (the sender's clock), as everywhere else on screen.
    events.push({
      kind: 'message',
      key: `m:${message.id}`,
      at: message.sentAt,
      peer: message.peer,
      message,
      unread: isUnread(message),
    });
  }
  for (const invite of input.ring?.received ?? []) {
    const key = `i:${invite.id}`;
    events.push({ kind: 'invite', key, at: invite.createdAt, peer: invite.communityName, unread: news(key) });
  }
  for (const member of input.ring?.members ?? []) {
    const key = `j:${member.communityName}:${member.addedAt}`;
    events.push({
      kind: 'joined',
      key,
      at: member.addedAt,
      peer: member.communityName,
      invitedByMe: member.invitedByMe,
      // Accepting someone's invite is this account's own act; being accepted is news.
      unread: member.invitedByMe && news(key),
    });
  }
  for (const [peer, record] of Object.entries(input.pins?.members ?? {})) {
    for (const change of record.keyChanges) {
      const key = `k:${peer}:${change.fingerprint}:${change.detectedAt}`;
      const resolved = change.resolvedAt !== null;
      events.push({
        kind: 'key-change',
        key,
        at: change.detectedAt,
        peer,
        resolved,
        unread: !resolved && news(key),
      });
    }
  }
  return (
    events
      // A starred message stays past the window (DESIGN §1.7).
      .filter((event) => event.at >= since || (event.kind === 'message' && event.message.starred === true))
      .sort((a, b) => b.at - a.at || a.key.localeCompare(b.key))
  );
}
