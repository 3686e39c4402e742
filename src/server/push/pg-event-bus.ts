import type { ServerEvent } from '../../shared/protocol/events';
import type { Cancel, Clock } from '../clock';
import {
  decodeAppended,
  notifyAppended,
  notifySessionEnded,
  type Appended,
  type Channels,
} from '../db/notify';
import type { PgListener } from '../db/pg-listener';
import type { Db } from '../db/schema';
import type { Logger } from '../log';
import { Subscriptions, type EventBus } from './event-bus';

/** An event read back from the log as it is pushed; null when there is nothing left to push (see messaging). */
export interface LoggedEvent {
  userId: string;
  seq: number;
  event: ServerEvent | null;
}

export interface PostgresEventBusDeps {
  db: Db;
  listener: PgListener;
  channels: Channels;
  clock: Clock;
  log: Logger;
  /** Reads these events back from the log. */
  readEvents(seqs: number[]): Promise<LoggedEvent[]>;
  /** Reads each user's events after the given number, oldest first. */
  readAfter(floors: { userId: string; after: number }[]): Promise<LoggedEvent[]>;
  /** How often every connected user's log is read again, in case a notification went missing. */
  sweepMs: number;
}

/** Events published here, kept until their notification comes back so it costs no read. */
const RECENT_MAX = 2_000;
/** How soon a failed delivery is tried again by reading the log. */
const RETRY_MS = 1_000;

/**
 * The event bus of instances that share one PostgreSQL (DESIGN §3). Every commit that appends events
 * notifies, inside its transaction, with the accounts and numbers only. Each instance listens on its own
 * connection and, for accounts it holds a stream of, pushes those events, in the order of the
 * notifications: PostgreSQL sends them in commit order, which for one account is the order of its numbers
 * (db/events.ts). An event this instance committed itself is still pushed only when its notification
 * arrives, never before: pushing it at once could put it ahead of an older one from another instance,
 * and the stream would then drop the older one as already seen.
 *
 * Notifications sent while the connection is down are lost; after a reconnect, and every `sweepMs`, each
 * connected user's log is read after the last number its streams have, so a lost one only delays.
 */
export function postgresEventBus(deps: PostgresEventBusDeps): EventBus {
  const subscriptions = new Subscriptions(deps.log);
  const recent = new Map<number, ServerEvent>();
  let inbox: Appended[] = [];
  let catchUpWanted = false;
  let working = false;
  let closed = false;
  let retry: Cancel | null = null;

  deps.listener.onNotification((channel, payload) => {
    if (closed) return;
    if (channel === deps.channels.sessions) {
      subscriptions.endSession(payload);
      return;
    }
    if (channel !== deps.channels.events) return;
    const entries = decodeAppended(payload);
    if (!entries) {
      deps.log.warn({ channel }, 'notification not understood');
      return;
    }
    for (const entry of entries) inbox.push(entry);
    schedule();
  });
  deps.listener.onReconnected(() => {
    catchUpWanted = true;
    schedule();
  });
  const stopSweep = deps.clock.setInterval(() => {
    catchUpWanted = true;
    schedule();
  }, deps.sweepMs);

  function schedule(): void {
    if (working || closed) return;
    working = true;
    // After the commit that sent the notification has settled here too, so its event is in `recent`.
    setImmediate(() => void work());
  }

  async function work(): Promise<void> {
    try {
      while (!closed && (inbox.length > 0 || catchUpWanted)) {
        if (catchUpWanted) {
          catchUpWanted = false;
          await catchUp();
          continue;
        }
        const batch = inbox;
        inbox = [];
        await deliver(batch);
      }
    } catch (error) {
      // What the failed read would have pushed is still in the log: read it again shortly.
      deps.log.error({ err: error }, 'push delivery failed; reading the log again');
      retry ??= deps.clock.setTimeout(() => {
        retry = null;
        catchUpWanted = true;
        schedule();
      }, RETRY_MS);
    } finally {
      working = false;
    }
    if (!closed && (inbox.length > 0 || (catchUpWanted && !retry))) schedule();
  }

  async function deliver(batch: Appended[]): Promise<void> {
    const wanted: Appended[] = [];
    for (const entry of batch) {
      if (subscriptions.has(entry.userId)) wanted.push(entry);
      else recent.delete(entry.seq);
    }
    if (wanted.length === 0) return;
    // One batch holds only committed events, and one account's are committed in the order of their
    // numbers, so sorting by number gives each account its order whichever notification said what.
    wanted.sort((a, b) => a.seq - b.seq);
    const missing = wanted.filter((entry) => !recent.has(entry.seq)).map((entry) => entry.seq);
    const read = new Map<number, ServerEvent | null>();
    if (missing.length > 0) for (const row of await deps.readEvents(missing)) read.set(row.seq, row.event);
    for (const { userId, seq } of wanted) {
      const event = recent.get(seq) ?? read.get(seq) ?? null;
      recent.delete(seq);
      if (event) subscriptions.dispatch(userId, event, seq);
    }
  }

  async function catchUp(): Promise<void> {
    const floors = subscriptions.floors();
    if (floors.length === 0) return;
    for (const { userId, seq, event } of await deps.readAfter(floors)) {
      if (event) subscriptions.dispatch(userId, event, seq);
    }
  }

  return {
    announce: (trx, appended) => notifyAppended(trx, deps.channels.events, appended),
    publish(userId, event, seq) {
      if (closed || !subscriptions.has(userId)) return;
      recent.set(seq, event);
      if (recent.size > RECENT_MAX) {
        const oldest = recent.keys().next();
        if (!oldest.done) recent.delete(oldest.value);
      }
    },
    subscribe: (userId, listener, lastSeq) => subscriptions.subscribe(userId, listener, lastSeq ?? null),
    async endSession(sessionKey) {
      // Here at once; the other instances when the notification reaches them.
      subscriptions.endSession(sessionKey);
      await notifySessionEnded(deps.db, deps.channels.sessions, sessionKey);
    },
    onSessionEnded: (listener) => subscriptions.onSessionEnded(listener),
    ready: () => deps.listener.connected(),
    async close() {
      closed = true;
      stopSweep();
      retry?.();
      subscriptions.clear();
      recent.clear();
      await deps.listener.close();
    },
  };
}
