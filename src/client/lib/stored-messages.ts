import { useEffect, useState, useSyncExternalStore } from 'react';
import { listMessages, subscribeMessages, type MessageRecord } from './message-store';

/** This browser's messages of the account, newest first, kept current as they arrive or change. */
export function useStoredMessages(accountName: string): readonly MessageRecord[] | null {
  const [messages, setMessages] = useState<readonly MessageRecord[] | null>(null);
  const version = useSyncExternalStore(
    subscribeMessages,
    () => changes,
    () => changes,
  );
  useEffect(() => {
    let current = true;
    void listMessages(accountName).then((list) => {
      if (current) setMessages(list);
    });
    return () => {
      current = false;
    };
  }, [accountName, version]);
  return messages;
}

let changes = 0;
subscribeMessages(() => {
  changes += 1;
});
