import { ringpostDb, type RingpostDatabase } from '../db';
import type { OutboxItem } from './outbox-machine';
import type { OutboxStore } from './outbox-runner';

// The outbox in IndexedDB (db.ts, store `outbox`, since version 3), so a message the user sent survives a
// reload, a crash and a browser restart, and any tab of the account can take over sending it. Only items
// still in the queue are kept: one settles (enqueued or error) and its record is deleted.

/**
 * The store for one account. `open` is a parameter so tests can use a throwaway database and close and
 * reopen it; the app uses its one connection.
 */
export function indexedDbOutboxStore(
  accountName: string,
  open: () => Promise<RingpostDatabase> = ringpostDb,
): OutboxStore {
  return {
    async list() {
      const items = await (await open()).getAllFromIndex('outbox', 'accountName', accountName);
      return items.sort((a, b) => a.createdAt - b.createdAt);
    },

    async get(id) {
      const item = await (await open()).get('outbox', id);
      return item?.accountName === accountName ? item : null;
    },

    async add(item: OutboxItem) {
      // `add`, not `put`: a tab forwarding a new message must never overwrite the sending tab's newer
      // copy of it. A second add of the same id (a double click sent twice) is refused; that is fine.
      const db = await open();
      const tx = db.transaction('outbox', 'readwrite');
      const exists = (await tx.store.getKey(item.id)) !== undefined;
      if (!exists) await tx.store.add(item);
      await tx.done;
      return !exists;
    },

    async put(item) {
      await (await open()).put('outbox', item);
    },

    async delete(id) {
      await (await open()).delete('outbox', id);
    },
  };
}
