import type { ServerEvent } from '../../shared/protocol/events';
import type { Clock } from '../clock';
import type { EventBus } from '../push/event-bus';
import { appendEvent } from './events';
import type { Db } from './schema';

export interface PendingEvents {
  /** Queues an event for `userId`: appended to their log in this transaction, pushed once it commits. */
  emit(userId: string, event: ServerEvent): void;
}

/** Where committed events go, and the clock that dates them in the log. */
export interface Publisher {
  bus: EventBus;
  clock: Clock;
}

/**
 * What the log keeps of an event. A message keeps only a reference to its row: the envelope is stored
 * once, sealed, and is gone from the replay too once its content is destroyed.
 */
export function loggedForm(event: ServerEvent): { type: string; payload: string } {
  if (event.type === 'message') {
    const { from, id } = event.message.envelope;
    return { type: event.type, payload: JSON.stringify({ from, id }) };
  }
  return { type: event.type, payload: JSON.stringify(event) };
}

/**
 * Runs a multi-step write in one transaction, appends the events it queued to their users' logs in that
 * same transaction, and publishes them once it has committed, so nobody is told about a write that was
 * rolled back or that readers cannot see yet, and nothing told is missing from the log.
 */
export async function transact<T>(
  db: Db,
  publisher: Publisher,
  work: (trx: Db, events: PendingEvents) => Promise<T>,
): Promise<T> {
  const logged: [string, ServerEvent, number][] = [];
  const result = await db.transaction().execute(async (trx) => {
    const queued: [string, ServerEvent][] = [];
    const value = await work(trx, { emit: (userId, event) => queued.push([userId, event]) });
    const now = publisher.clock.now();
    for (const [userId, event] of queued) {
      logged.push([userId, event, await appendEvent(trx, userId, loggedForm(event), now)]);
    }
    return value;
  });
  for (const [userId, event, seq] of logged) publisher.bus.publish(userId, event, seq);
  return result;
}

/** One event after a write that committed on its own: logged, then pushed. */
export async function notify(
  db: Db,
  publisher: Publisher,
  userId: string,
  event: ServerEvent,
): Promise<void> {
  await transact(db, publisher, (_trx, events) => {
    events.emit(userId, event);
    return Promise.resolve();
  });
}
