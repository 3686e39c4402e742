import { describe, expect, it } from 'vitest';
import { ringpostDb } from './db';
import type { MessageRecord } from './message-record';
import { addMessage, listMessages, updateStatus } from './message-store';
import { storedMessagesSnapshot, subscribeStoredMessages } from './stored-messages';

// Runs in Chromium, on the app's real IndexedDB and BroadcastChannel: the list in memory must always end
// as a fresh read of the store would, whichever tab wrote.

function record(accountName: string, id: string, sentAt: number, extra: Partial<MessageRecord> = {}) {
  const message: MessageRecord = {
    accountName,
    id,
    direction: 'sent',
    peer: 'bob',
    envelope: null,
    sentAt,
    storedAt: sentAt,
    status: 'sending',
    statusReason: null,
    statusAt: sentAt,
    ...extra,
  };
  return message;
}

/** Resolves once the listener has been called and `until` holds for the list. */
function listUntil(
  accountName: string,
  until: (list: readonly MessageRecord[]) => boolean,
): { done: Promise<readonly MessageRecord[]>; stop: () => void } {
  let stop = () => undefined as void;
  const done = new Promise<readonly MessageRecord[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The list never got there.')), 5_000);
    const check = () => {
      const list = storedMessagesSnapshot(accountName);
      if (list && until(list)) {
        clearTimeout(timer);
        resolve(list);
      }
    };
    const unsubscribe = subscribeStoredMessages(accountName, check);
    stop = () => {
      clearTimeout(timer);
      unsubscribe();
    };
    check();
  });
  return { done, stop };
}

const ids = (list: readonly MessageRecord[]) => list.map((message) => `${message.id}:${message.status}`);

describe('the messages kept in memory', () => {
  it('read the store once, then take each write as a fresh read would show it', async () => {
    const account = `mirror-${crypto.randomUUID()}`;
    await addMessage(record(account, 'b', 2));
    await addMessage(record(account, 'a', 1));
    const first = listUntil(account, (list) => list.length === 2);
    try {
      const loaded = await first.done;
      expect(ids(loaded)).toEqual(['b:sending', 'a:sending']);

      const written = listUntil(account, (list) => list.length === 3 && list[2]?.status === 'enqueued');
      await addMessage(record(account, 'c', 3));
      await updateStatus(account, 'a', 'enqueued', null, 5);
      const after = await written.done;
      written.stop();
      expect(ids(after)).toEqual(['c:sending', 'b:sending', 'a:enqueued']);
      expect(ids(after)).toEqual(ids(await listMessages(account)));
      // The list handed out before is left as it was.
      expect(ids(loaded)).toEqual(['b:sending', 'a:sending']);
    } finally {
      first.stop();
    }
  });

  it('read what another tab wrote from the store, whatever that tab said it was', async () => {
    const account = `mirror-tabs-${crypto.randomUUID()}`;
    await addMessage(record(account, 'a', 1));
    const loaded = listUntil(account, (list) => list.length === 1);
    const otherTab = new BroadcastChannel('ringpost-messages');
    try {
      await loaded.done;
      // Another tab's write: straight into IndexedDB, then only the id on the channel.
      const db = await ringpostDb();
      await db.put('messages', record(account, 'a', 1, { status: 'delivered' }));
      await db.put('messages', record(account, 'b', 2));
      const told = listUntil(account, (list) => list.some((message) => message.status === 'delivered'));
      otherTab.postMessage({ accountName: account, ids: ['a'] });
      expect(ids(await told.done)).toEqual(['a:delivered']);
      told.stop();

      // A tab of an older version says only "changed": every list is read again.
      const reread = listUntil(account, (list) => list.length === 2);
      otherTab.postMessage('changed');
      expect(ids(await reread.done)).toEqual(['b:sending', 'a:delivered']);
      reread.stop();
    } finally {
      otherTab.close();
      loaded.stop();
    }
  });
});
