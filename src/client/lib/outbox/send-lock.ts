import type { OutboxChannel, SendLock } from './outbox-runner';

// The browser's side of "one tab sends at a time": a Web Lock per account makes one tab the sender, and a
// BroadcastChannel of the same name carries new messages and triggers to it and its progress back to the
// other tabs. The runner only sees the two small interfaces, so Node tests stand in for both.

/** The lock and channel name for one account's outbox. */
export function outboxChannelName(accountName: string): string {
  return `ringpost-outbox-${accountName}`;
}

/** Waits for the lock, holds it until given up; a tab that closes gives it up by itself. */
export function webLock(locks: LockManager): SendLock {
  return {
    request(name, onAcquired) {
      const controller = new AbortController();
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      locks
        .request(name, { signal: controller.signal }, async () => {
          onAcquired();
          await released;
        })
        // Aborted while still waiting: this tab closed its outbox before its turn came.
        .catch(() => undefined);
      return () => {
        controller.abort();
        release();
      };
    },
  };
}

/**
 * Where Web Locks are missing (browsers before 2022), every tab sends what it sees in IndexedDB. Two tabs
 * may then post the same envelope: the server stores an id once and answers a repeat with the first
 * answer, so that costs a request, never a second message.
 */
export const thisTabSends: SendLock = {
  request(_name, onAcquired) {
    queueMicrotask(onAcquired);
    return () => {};
  },
};

export function browserSendLock(): SendLock {
  return typeof navigator !== 'undefined' && 'locks' in navigator ? webLock(navigator.locks) : thisTabSends;
}

/** A BroadcastChannel, or a silent one where there is none (then each tab sends for itself anyway). */
export function browserOutboxChannel(name: string): OutboxChannel {
  if (typeof BroadcastChannel === 'undefined') {
    return { post() {}, listen: () => () => {}, close() {} };
  }
  const channel = new BroadcastChannel(name);
  return {
    post(message) {
      channel.postMessage(message);
    },
    listen(listener) {
      const onMessage = (event: MessageEvent<unknown>) => listener(event.data);
      channel.addEventListener('message', onMessage);
      return () => channel.removeEventListener('message', onMessage);
    },
    close() {
      channel.close();
    },
  };
}
