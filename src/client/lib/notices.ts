import { useSyncExternalStore } from 'react';

// Short notices the whole app may raise (e.g. "Send error"), shown by the shell in an alert region so they
// are read out wherever the person is. They never carry message text.

export interface Notice {
  id: number;
  text: string;
}

let notices: readonly Notice[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit() {
  for (const listener of listeners) listener();
}

export function raiseNotice(text: string): void {
  notices = [...notices, { id: nextId++, text }];
  emit();
}

export function dismissNotice(id: number): void {
  notices = notices.filter((notice) => notice.id !== id);
  emit();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useNotices(): readonly Notice[] {
  return useSyncExternalStore(subscribe, () => notices);
}
