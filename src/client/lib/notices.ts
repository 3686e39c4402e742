import { useSyncExternalStore } from 'react';

// Short notices the whole app may raise (e.g. "Send error"), shown by the shell in an alert region so they
// are read out wherever the person is. They never carry message text.

export interface Notice {
  id: number;
  text: string;
  /** An error is an alert and stays until dismissed; news is a quiet status that leaves by itself. */
  kind: 'error' | 'news';
}

/** How long a piece of news stays on screen. */
export const NEWS_MS = 10_000;

let notices: readonly Notice[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit() {
  for (const listener of listeners) listener();
}

export function raiseNotice(text: string): void {
  notices = [...notices, { id: nextId++, text, kind: 'error' }];
  emit();
}

/** At most this many pieces of news at once: a burst of messages must not bury the page under them. */
export const NEWS_SHOWN = 3;

/**
 * A quiet toast, e.g. "New message from alice." Never message text. The same news again replaces the
 * one showing (ten messages from alice make one line, not ten), and only the newest few stay.
 */
export function raiseNews(text: string): void {
  const id = nextId++;
  const kept = notices.filter((notice) => notice.kind !== 'news' || notice.text !== text);
  const news = kept.filter((notice) => notice.kind === 'news');
  const dropped = new Set(
    news.slice(0, Math.max(0, news.length - (NEWS_SHOWN - 1))).map((notice) => notice.id),
  );
  notices = [...kept.filter((notice) => !dropped.has(notice.id)), { id, text, kind: 'news' }];
  emit();
  setTimeout(() => dismissNotice(id), NEWS_MS);
}

export function dismissNotice(id: number): void {
  notices = notices.filter((notice) => notice.id !== id);
  emit();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** What is showing now, oldest first. */
export function currentNotices(): readonly Notice[] {
  return notices;
}

export function useNotices(): readonly Notice[] {
  return useSyncExternalStore(subscribe, currentNotices);
}
