import type { EnvelopeV1 } from '../../../shared/protocol/messages';
import { HOUR, MINUTE, rules, SECOND } from '../../../shared/rules';

// The browser's outbox as PrivateGSM ran it (DESIGN §2): a message gets `sendTries` tries of
// `sendTimeoutMs` each, then waits in the outbox until something suggests the server is reachable again
// (the push channel reconnected, a keep-alive arrived, the browser came back online, the user sent
// another message), which starts a fresh round of tries. After `outboxExpiryMs` unsent it fails for good.
//
// Everything here is pure: `next(item, event, now, config)` returns the new item and the effects for the
// runner to perform, so tests drive time and faults with a number instead of sleeping. Resending is safe
// because the server answers a repeated envelope id with its first answer (POST /api/messages).

export interface OutboxConfig {
  sendTries: number;
  sendTimeoutMs: number;
  outboxExpiryMs: number;
}

export const defaultOutboxConfig: OutboxConfig = {
  sendTries: rules.sendTries,
  sendTimeoutMs: rules.sendTimeoutMs,
  outboxExpiryMs: rules.outboxExpiryMs,
};

/**
 * sending: a try is in flight, or the next one is due at `nextAttemptAt`. waiting: the round's tries are
 * spent; a trigger starts another. enqueued, error: settled, and the item leaves the queue.
 */
export type OutboxState = 'sending' | 'waiting' | 'enqueued' | 'error';

export interface OutboxItem {
  /** The envelope's id: the outbox key and the server's idempotency key. */
  id: string;
  /** The account that sealed it: one browser may be used by several accounts in turn. */
  accountName: string;
  to: string;
  /** Sealed before it entered the outbox; never changes. */
  envelope: EnvelopeV1;
  createdAt: number;
  /** Tries made in the current round (a trigger starts a new round at 0). */
  attempts: number;
  state: OutboxState;
  /** When the next try is due, while `sending` and none is in flight. */
  nextAttemptAt: number | null;
  /** When the try now in flight started; null when none is. It is also the try's identity. */
  attemptStartedAt: number | null;
  /** Why the last try failed, for the page to show while the item is still being sent. */
  lastError: string | null;
  /** Why the item failed for good, once `error`. */
  errorReason: string | null;
}

/** How a try failed, as far as retrying is concerned. */
export type SendFailure =
  /** The server refused this envelope and always will (400, 409, 413…): its message is the reason. */
  | { kind: 'rejected'; message: string }
  /** 429: the server said when to come back. */
  | { kind: 'rate-limited'; retryAfterMs: number; message: string }
  /** No answer, a 5xx, a 408, a 401: worth trying again. */
  | { kind: 'transient'; message: string };

export type OutboxTrigger = 'reconnected' | 'keep-alive' | 'online' | 'user-sent';

export type OutboxEvent =
  /** Time passed (a timer the runner set from `wakeAt` fired, or the runner just wants a fresh look). */
  | { type: 'tick' }
  /** The server stored it (202), from whichever try answered. */
  | { type: 'accepted'; acceptedAt: number }
  | { type: 'failed'; startedAt: number; failure: SendFailure }
  | { type: 'trigger'; kind: OutboxTrigger }
  /** This tab just took over the queue (reload, or the sending tab closed): no try of it is in flight here. */
  | { type: 'resume' };

export type OutboxEffect =
  | { type: 'send'; startedAt: number; timeoutMs: number }
  /** Stop waiting for the try that started at `startedAt` (it timed out). */
  | { type: 'abort'; startedAt: number }
  | { type: 'settled'; status: 'enqueued' | 'error'; reason: string | null };

export interface Transition {
  item: OutboxItem;
  effects: OutboxEffect[];
}

/** What the sender sees on the message (DESIGN §2): queued and waiting both read "Sending". */
export type OutboxStatus = 'sending' | 'enqueued' | 'error';

export const OUTBOX_STATUS_LABEL: Record<OutboxStatus, string> = {
  sending: 'Sending',
  enqueued: 'Enqueued',
  error: 'Error',
};

export function statusOf(state: OutboxState): OutboxStatus {
  return state === 'waiting' ? 'sending' : state;
}

export function isSettled(item: Pick<OutboxItem, 'state'>): boolean {
  return item.state === 'enqueued' || item.state === 'error';
}

export function newOutboxItem(accountName: string, envelope: EnvelopeV1, now: number): OutboxItem {
  return {
    id: envelope.id,
    accountName,
    to: envelope.to,
    envelope,
    createdAt: now,
    attempts: 0,
    state: 'sending',
    nextAttemptAt: now,
    attemptStartedAt: null,
    lastError: null,
    errorReason: null,
  };
}

/** "12 h", "30 min", "5 s": the configured expiry as the user reads it in the error. */
export function formatExpiry(ms: number): string {
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms >= MINUTE && ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${Math.round(ms / SECOND)} s`;
}

export function expiryReason(config: OutboxConfig): string {
  return `not sent within ${formatExpiry(config.outboxExpiryMs)}`;
}

/**
 * Sorts an HTTP outcome into the three kinds above. Only a 4xx that no retry can fix fails at once: 408
 * (the server gave up waiting) and 429 (come back later) are about timing, 401 ends when the user signs in
 * again, 425 asks for a retry; a status of 0 is no answer at all.
 */
export function classifyFailure(failure: {
  status: number;
  message: string;
  retryAfterSeconds?: number | null;
}): SendFailure {
  const { status, message } = failure;
  if (status === 429 && failure.retryAfterSeconds) {
    return { kind: 'rate-limited', retryAfterMs: failure.retryAfterSeconds * SECOND, message };
  }
  const retryable = status === 401 || status === 408 || status === 425 || status === 429;
  if (status >= 400 && status < 500 && !retryable) return { kind: 'rejected', message };
  return { kind: 'transient', message };
}

/** The next moment the runner must call `next(…, {type:'tick'})` for this item; null once settled. */
export function wakeAt(item: OutboxItem, config: OutboxConfig): number | null {
  if (isSettled(item)) return null;
  if (item.attemptStartedAt !== null) return item.attemptStartedAt + config.sendTimeoutMs;
  const expiry = item.createdAt + config.outboxExpiryMs;
  if (item.state === 'sending' && item.nextAttemptAt !== null) return Math.min(item.nextAttemptAt, expiry);
  return expiry;
}

function settle(item: OutboxItem, state: 'enqueued' | 'error', reason: string | null): Transition {
  return {
    item: {
      ...item,
      state,
      nextAttemptAt: null,
      attemptStartedAt: null,
      errorReason: state === 'error' ? reason : null,
    },
    effects: [{ type: 'settled', status: state, reason }],
  };
}

/**
 * After a try ends without the server storing the envelope: another try when this one's slot of
 * `sendTimeoutMs` is over, or wait for a trigger once the round's tries are spent. Tries are spaced a slot
 * apart even when one fails at once (no connection fails in milliseconds), so a round always covers
 * `sendTries × sendTimeoutMs` (the seed's 60 s) and rides out a server restart, rather than burning five
 * tries in one second.
 */
function afterFailedTry(item: OutboxItem, startedAt: number, message: string, config: OutboxConfig) {
  const spent = item.attempts >= config.sendTries;
  return {
    ...item,
    state: spent ? ('waiting' as const) : ('sending' as const),
    nextAttemptAt: spent ? null : startedAt + config.sendTimeoutMs,
    attemptStartedAt: null,
    lastError: message,
  };
}

/**
 * Starts a try if one is due, or fails the item once it is too old. An item whose try is in flight at its
 * expiry keeps it: a 202 for it still counts, and the error comes at the try's timeout at the latest, so
 * the user is never told "Error" about a message the server then delivers because of a try we made.
 */
function proceed(item: OutboxItem, now: number, config: OutboxConfig, effects: OutboxEffect[]): Transition {
  if (isSettled(item)) return { item, effects };
  if (item.attemptStartedAt !== null) return { item, effects };
  if (now >= item.createdAt + config.outboxExpiryMs) {
    const settled = settle(item, 'error', expiryReason(config));
    return { item: settled.item, effects: [...effects, ...settled.effects] };
  }
  if (item.state !== 'sending' || item.nextAttemptAt === null || item.nextAttemptAt > now) {
    return { item, effects };
  }
  return {
    item: { ...item, attempts: item.attempts + 1, nextAttemptAt: null, attemptStartedAt: now },
    effects: [...effects, { type: 'send', startedAt: now, timeoutMs: config.sendTimeoutMs }],
  };
}

/** The whole rulebook: the item after `event` at time `now`, and what the runner must do about it. */
export function next(item: OutboxItem, event: OutboxEvent, now: number, config: OutboxConfig): Transition {
  if (isSettled(item)) return { item, effects: [] };
  switch (event.type) {
    case 'tick': {
      const started = item.attemptStartedAt;
      if (started !== null && now >= started + config.sendTimeoutMs) {
        const timedOut = afterFailedTry(
          item,
          started,
          `No answer within ${formatExpiry(config.sendTimeoutMs)}.`,
          config,
        );
        // A timed-out try's slot is over, so the next one (if any) is due at once.
        return proceed(timedOut, now, config, [{ type: 'abort', startedAt: started }]);
      }
      return proceed(item, now, config, []);
    }
    case 'accepted':
      // Any try's 202 will do, even one we had given up on: the server stored this id.
      return settle(item, 'enqueued', null);
    case 'failed': {
      // A late answer from a try already timed out (and aborted) changes nothing.
      if (item.attemptStartedAt !== event.startedAt) return { item, effects: [] };
      const { failure } = event;
      if (failure.kind === 'rejected') return settle(item, 'error', failure.message);
      if (failure.kind === 'rate-limited') {
        // The server is up and said when to come back: that is not one of the tries, and the wait is
        // the server's to choose (triggers do not cut it short).
        return proceed(
          {
            ...item,
            attempts: item.attempts - 1,
            nextAttemptAt: now + failure.retryAfterMs,
            attemptStartedAt: null,
            lastError: failure.message,
          },
          now,
          config,
          [],
        );
      }
      return proceed(afterFailedTry(item, event.startedAt, failure.message, config), now, config, []);
    }
    case 'trigger':
      // Triggers restart an outbox that has given up; an item still inside its round tries again within
      // a slot anyway, and a keep-alive every 25 s must not keep resetting the count of a failing round.
      if (item.state !== 'waiting') return proceed(item, now, config, []);
      return proceed({ ...item, state: 'sending', attempts: 0, nextAttemptAt: now }, now, config, []);
    case 'resume':
      // A try recorded as in flight belonged to a tab that is gone; it counts as made, and its answer
      // will never come here. The next is due at once: resending is idempotent.
      if (item.attemptStartedAt === null) return proceed(item, now, config, []);
      return proceed(
        item.attempts >= config.sendTries
          ? { ...item, state: 'waiting', nextAttemptAt: null, attemptStartedAt: null }
          : { ...item, nextAttemptAt: now, attemptStartedAt: null },
        now,
        config,
        [],
      );
  }
}
