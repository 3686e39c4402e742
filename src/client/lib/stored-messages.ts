import { useCallback, useSyncExternalStore } from 'react';
import { withRecords } from './message-order';
import { listMessages, subscribeMessages, type MessageChange, type MessageRecord } from './message-store';

// One list of the account's messages in memory, shared by every view of this tab (the app shell's unread
// count, Messages, History, a conversation): read from IndexedDB once, then patched with each record a
// write changed, so a status arriving does not make each view read every stored message again (with 2,000
// stored, two such reads per change were most of the time from Send to Delivered on screen).

interface Mirror {
  list: readonly MessageRecord[] | null;
  listeners: Set<() => void>;
  reading: boolean;
  /** A change came while reading: what was read may predate it, so read again. */
  readAgain: boolean;
}

const mirrors = new Map<string, Mirror>();

const toTell = new Set<Mirror>();
// The views hear of a change in the next task, not at once: a store's listener that React hears makes it
// render before the writer's next line, and the writer's next line is often the one that matters (the
// acknowledgement that turns the sender's message Delivered, the POST of a message just stored). A
// MessageChannel, because nested timers are clamped to 4 ms; several changes in one task make one render.
const nextTask = typeof MessageChannel === 'function' ? new MessageChannel() : null;
function tellViews(): void {
  const changed = [...toTell];
  toTell.clear();
  for (const mirror of changed) for (const listener of mirror.listeners) listener();
}
if (nextTask) nextTask.port1.onmessage = tellViews;

function show(mirror: Mirror, list: readonly MessageRecord[]): void {
  mirror.list = list;
  if (toTell.size === 0) {
    if (nextTask) nextTask.port2.postMessage(null);
    else setTimeout(tellViews, 0);
  }
  toTell.add(mirror);
}

function read(accountName: string, mirror: Mirror): void {
  mirror.reading = true;
  mirror.readAgain = false;
  void listMessages(accountName)
    .then(
      (list) => {
        if (mirrors.get(accountName) !== mirror) return;
        if (!mirror.readAgain) show(mirror, list);
      },
      () => undefined,
    )
    .finally(() => {
      mirror.reading = false;
      if (mirror.readAgain && mirrors.get(accountName) === mirror) read(accountName, mirror);
    });
}

function apply(change: MessageChange): void {
  for (const [accountName, mirror] of mirrors) {
    if (change.accountName !== null && change.accountName !== accountName) continue;
    if (mirror.reading) mirror.readAgain = true;
    else if ('records' in change && mirror.list) show(mirror, withRecords(mirror.list, change.records));
    else read(accountName, mirror);
  }
}

subscribeMessages(apply);

/** Keeps the account's list in memory while anyone listens; `listener` hears of each change. */
export function subscribeStoredMessages(accountName: string, listener: () => void): () => void {
  let mirror = mirrors.get(accountName);
  if (!mirror) {
    mirror = { list: null, listeners: new Set(), reading: false, readAgain: false };
    mirrors.set(accountName, mirror);
    read(accountName, mirror);
  }
  const subscribed = mirror;
  subscribed.listeners.add(listener);
  return () => {
    subscribed.listeners.delete(listener);
    // Nobody shows this account any more (signed out): let the list go; the next view reads it afresh.
    if (subscribed.listeners.size === 0 && mirrors.get(accountName) === subscribed)
      mirrors.delete(accountName);
  };
}

/** The list as it stands (null until first read, or while nobody listens). */
export function storedMessagesSnapshot(accountName: string): readonly MessageRecord[] | null {
  return mirrors.get(accountName)?.list ?? null;
}

/** This browser's messages of the account, newest first, kept current as they arrive or change. */
export function useStoredMessages(accountName: string): readonly MessageRecord[] | null {
  const subscribeAccount = useCallback(
    (listener: () => void) => subscribeStoredMessages(accountName, listener),
    [accountName],
  );
  const snapshot = useCallback(() => storedMessagesSnapshot(accountName), [accountName]);
  return useSyncExternalStore(subscribeAccount, snapshot, snapshot);
}
