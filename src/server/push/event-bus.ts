import type { ServerEvent } from '../../shared/protocol/events';
import type { Appended } from '../db/notify';
import type { Db } from '../db/schema';
import type { Logger } from '../log';

/** `seq` is the event's number in the user's log (`db/events.ts`), sent as the SSE id. */
export type EventListener = (event: ServerEvent, seq: number) => void;

/**
 * The highest number a subscriber has been sent, or null while it reads its replay: a catch-up after a
 * lost notification reads the log after it (see pg-event-bus.ts).
 */
export type LastSeq = () => number | null;

/**
 * Fan-out of events to the connections of one user. Events are appended to the user's log and published
 * only after the write they describe has committed (see `transact`), so a listener never announces
 * something a reader cannot see yet, and a browser that missed it can ask for it by number. One process
 * uses the in-process bus; instances on PostgreSQL use LISTEN/NOTIFY behind the same interface.
 */
export interface EventBus {
  /**
   * Called inside the transaction that appends `appended` to the log, after the appends: on PostgreSQL it
   * queues the notification that goes out on commit. In one process there is nobody else to tell.
   */
  announce(trx: Db, appended: readonly Appended[]): Promise<void>;
  /** Called once the transaction that appended the event has committed. */
  publish(userId: string, event: ServerEvent, seq: number): void;
  /** Returns the unsubscribe function. */
  subscribe(userId: string, listener: EventListener, lastSeq?: LastSeq): () => void;
  /** Tells every instance that a session ended (sign-out), so each ends the streams it opened. */
  endSession(sessionKey: string): Promise<void>;
  /** Returns the function that stops listening. */
  onSessionEnded(listener: (sessionKey: string) => void): () => void;
  /** Whether events committed elsewhere reach this instance now (`GET /api/ready`). */
  ready(): boolean;
  close(): Promise<void>;
}

/** Subscribers by user, and the one way events and session ends are handed to them. */
export class Subscriptions {
  readonly byUser = new Map<string, Map<EventListener, LastSeq | null>>();
  readonly sessionListeners = new Set<(sessionKey: string) => void>();

  constructor(private readonly log: Logger) {}

  subscribe(userId: string, listener: EventListener, lastSeq: LastSeq | null): () => void {
    let listeners = this.byUser.get(userId);
    if (!listeners) this.byUser.set(userId, (listeners = new Map<EventListener, LastSeq | null>()));
    listeners.set(listener, lastSeq);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.byUser.get(userId) === listeners) this.byUser.delete(userId);
    };
  }

  has(userId: string): boolean {
    return this.byUser.has(userId);
  }

  dispatch(userId: string, event: ServerEvent, seq: number): void {
    const listeners = this.byUser.get(userId);
    if (!listeners) return;
    for (const listener of [...listeners.keys()]) {
      // One broken connection must not keep the event from the user's other browsers.
      try {
        listener(event, seq);
      } catch (error) {
        this.log.error({ err: error, event: event.type }, 'event listener failed');
      }
    }
  }

  onSessionEnded(listener: (sessionKey: string) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  endSession(sessionKey: string): void {
    for (const listener of [...this.sessionListeners]) {
      try {
        listener(sessionKey);
      } catch (error) {
        this.log.error({ err: error }, 'session listener failed');
      }
    }
  }

  /** Per user, the lowest number any of its subscribers has; users whose subscribers all replay are left out. */
  floors(): { userId: string; after: number }[] {
    const floors: { userId: string; after: number }[] = [];
    for (const [userId, listeners] of this.byUser) {
      let lowest: number | null = null;
      for (const lastSeq of listeners.values()) {
        const last = lastSeq?.() ?? null;
        if (last !== null && (lowest === null || last < lowest)) lowest = last;
      }
      if (lowest !== null) floors.push({ userId, after: lowest });
    }
    return floors;
  }

  clear(): void {
    this.byUser.clear();
    this.sessionListeners.clear();
  }
}

export function inProcessEventBus(log: Logger): EventBus {
  const subscriptions = new Subscriptions(log);
  return {
    announce: () => Promise.resolve(),
    publish: (userId, event, seq) => subscriptions.dispatch(userId, event, seq),
    subscribe: (userId, listener, lastSeq) => subscriptions.subscribe(userId, listener, lastSeq ?? null),
    endSession(sessionKey) {
      subscriptions.endSession(sessionKey);
      return Promise.resolve();
    },
    onSessionEnded: (listener) => subscriptions.onSessionEnded(listener),
    ready: () => true,
    close() {
      subscriptions.clear();
      return Promise.resolve();
    },
  };
}
