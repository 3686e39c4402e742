import type { ServerEvent } from '../../shared/protocol/events';
import type { EventBus } from '../push/event-bus';
import type { Db } from './schema';

export interface PendingEvents {
  /** Queues an event for `userId`; it goes out only if the transaction commits. */
  emit(userId: string, event: ServerEvent): void;
}

/**
 * Runs a multi-step write in one transaction and publishes the events it queued once it has committed,
 * so nobody is told about a write that was rolled back or that readers cannot see yet.
 */
export async function transact<T>(
  db: Db,
  bus: EventBus,
  work: (trx: Db, events: PendingEvents) => Promise<T>,
): Promise<T> {
  const queued: [string, ServerEvent][] = [];
  const result = await db
    .transaction()
    .execute((trx) => work(trx, { emit: (userId, event) => queued.push([userId, event]) }));
  for (const [userId, event] of queued) bus.publish(userId, event);
  return result;
}
