import { sql } from 'kysely';
import type { Store } from './db/open-store';
import type { EventBus } from './push/event-bus';

/** How long the store may take to answer `select 1` before the instance counts as not ready. */
export const STORE_CHECK_MS = 2_000;

/**
 * Whether this instance should be sent traffic (`GET /api/ready`): its store answers, events from other
 * instances reach it, and it is not shutting down. Resolves null when ready, else a sentence saying why not.
 */
export function readiness(deps: {
  store: Store;
  bus: EventBus;
  draining: () => boolean;
}): () => Promise<string | null> {
  return async () => {
    if (deps.draining()) return 'This instance is shutting down.';
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STORE_CHECK_MS);
    });
    try {
      const answered = await Promise.race([sql`select 1`.execute(deps.store.db), timedOut]);
      if (answered === 'timeout') return 'The store did not answer in time.';
    } catch {
      return 'The store cannot be reached.';
    } finally {
      clearTimeout(timer);
    }
    if (!deps.bus.ready()) return 'The connection that hears other instances is down.';
    return null;
  };
}
