import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { currentNotices, dismissNotice, NEWS_MS, NEWS_SHOWN, raiseNews, raiseNotice } from './notices';

describe('notices', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const notice of currentNotices()) dismissNotice(notice.id);
    vi.useRealTimers();
  });

  const texts = () => currentNotices().map((notice) => `${notice.kind}: ${notice.text}`);

  it('show the same news once, however often it comes, and only the newest few', () => {
    raiseNotice('Send error: a message was not sent.');
    for (let i = 0; i < 10; i++) raiseNews('New message from alice.');
    expect(texts()).toEqual(['error: Send error: a message was not sent.', 'news: New message from alice.']);

    for (const name of ['bob', 'carol', 'dave']) raiseNews(`New message from ${name}.`);
    expect(NEWS_SHOWN).toBe(3);
    expect(texts()).toEqual([
      'error: Send error: a message was not sent.',
      'news: New message from bob.',
      'news: New message from carol.',
      'news: New message from dave.',
    ]);
  });

  it('let news leave by itself, counted from its latest arrival, and keep errors until dismissed', () => {
    raiseNotice('Send error: a message was not sent.');
    raiseNews('New message from alice.');
    vi.advanceTimersByTime(NEWS_MS - 1_000);
    raiseNews('New message from alice.');
    vi.advanceTimersByTime(1_000);
    expect(texts()).toEqual(['error: Send error: a message was not sent.', 'news: New message from alice.']);
    vi.advanceTimersByTime(NEWS_MS);
    expect(texts()).toEqual(['error: Send error: a message was not sent.']);
  });
});
