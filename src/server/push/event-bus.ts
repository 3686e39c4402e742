import type { ServerEvent } from '../../shared/protocol/events';
import type { Logger } from '../log';

/** `seq` is the event's number in the user's log (`db/events.ts`), sent as the SSE id. */
export type EventListener = (event: ServerEvent, seq: number) => void;

/**
 * Fan-out of events to the connections of one user. Events are appended to the user's log and published
 * only after the write they describe has committed (see `transact`), so a listener never announces
 * something a reader cannot see yet, and a browser that missed it can ask for it by number. This process-local bus serves one instance; several instances on PostgreSQL use LISTEN/NOTIFY
 * behind the same interface.
 */
export interface EventBus {
  publish(userId: string, event: ServerEvent, seq: number): void;
  /** Returns the unsubscribe function. */
  subscribe(userId: string, listener: EventListener): () => void;
  close(): Promise<void>;
}

export function inProcessEventBus(log: Logger): EventBus {
  const listeners = new Map<string, Set<EventListener>>();
  return {
    publish(userId, event, seq) {
      for (const listener of [...(listeners.get(userId) ?? [])]) {
        // One broken connection must not keep the event from the user's other browsers.
        try {
          listener(event, seq);
        } catch (error) {
          log.error({ err: error, event: event.type }, 'event listener failed');
        }
      }
    },
    subscribe(userId, listener) {
      let set = listeners.get(userId);
      if (!set) listeners.set(userId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(userId) === set) listeners.delete(userId);
      };
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
