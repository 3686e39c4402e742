import type { MessageRecord } from './message-record';

// How long a message has left (DESIGN §2), shown beside it: an unsent one the outbox's 12 h, an
// undelivered one the server's 72 h hold, any other its 7 days of retention. A starred message, and one
// whose content is already gone or failed for good, shows none.

export interface ExpiryRules {
  outboxExpiryMs: number;
  holdMs: number;
  retentionMs: number;
}

export type ExpiryClock = { kind: 'outbox' | 'hold' | 'retention'; at: number } | null;

export function expiryClock(message: MessageRecord, rules: ExpiryRules): ExpiryClock {
  if (message.starred || !message.envelope) return null;
  if (message.direction === 'sent') {
    if (message.status === 'sending') return { kind: 'outbox', at: message.storedAt + rules.outboxExpiryMs };
    // Enqueued since the server took it: its status time is the server's acceptance.
    if (message.status === 'enqueued') return { kind: 'hold', at: message.statusAt + rules.holdMs };
  }
  return { kind: 'retention', at: message.sentAt + rules.retentionMs };
}

const UNITS: [number, string][] = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
];

/** "6 days", "3 hours", "less than a minute": the largest whole unit left, as a person would say it. */
export function timeLeft(ms: number): string {
  for (const [size, unit] of UNITS) {
    const count = Math.floor(ms / size);
    if (count >= 1) return `${count} ${unit}${count === 1 ? '' : 's'}`;
  }
  return 'less than a minute';
}

export function expiryWords(clock: ExpiryClock, now: number): string | null {
  if (!clock) return null;
  const left = timeLeft(Math.max(0, clock.at - now));
  switch (clock.kind) {
    case 'outbox':
      return `Sends within ${left} or fails`;
    case 'hold':
      return `Waits ${left} more for delivery`;
    case 'retention':
      return `Destroyed in ${left}`;
  }
}
