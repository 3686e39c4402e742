import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from './message-record';
import { newestFirst, withRecords } from './message-order';

function message(id: string, sentAt: number, extra: Partial<MessageRecord> = {}): MessageRecord {
  return {
    accountName: 'a',
    id,
    direction: 'received',
    peer: 'b',
    envelope: null,
    sentAt,
    storedAt: sentAt,
    status: 'delivered',
    statusReason: null,
    statusAt: sentAt,
    ...extra,
  };
}

// Few ids and few times, so replacements and equal times come up often.
const records = fc.array(
  fc.record({
    id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'A', 'é'),
    sentAt: fc.integer({ min: 0, max: 4 }),
  }),
  { maxLength: 12 },
);

/** What a fresh read of the store would give after the same writes: the last write per id, sorted. */
function freshRead(writes: readonly MessageRecord[]): MessageRecord[] {
  const byId = new Map(writes.map((record) => [record.id, record]));
  return [...byId.values()].sort(newestFirst);
}

describe('messages in memory', () => {
  it('sort newest first, equal times by id as the reversed IndexedDB index does', () => {
    const list = [message('a', 1), message('c', 2), message('b', 1)].sort(newestFirst);
    expect(list.map((record) => record.id)).toEqual(['c', 'b', 'a']);
  });

  it('end as a fresh read would, whatever the writes, and never change a list already handed out', () => {
    fc.assert(
      fc.property(records, records, (first, second) => {
        const before = first.map(({ id, sentAt }) => message(id, sentAt));
        const after = second.map(({ id, sentAt }) => message(id, sentAt, { readAt: 1 }));
        const list = freshRead(before);
        const copy = [...list];
        const patched = withRecords(list, after);
        expect(patched).toEqual(freshRead([...before, ...after]));
        expect(list).toEqual(copy);
      }),
    );
  });

  it('replace a known record in place when only its status changes', () => {
    const list = [message('b', 2), message('a', 1)];
    const patched = withRecords(list, [message('a', 1, { status: 'enqueued' })]);
    expect(patched.map((record) => [record.id, record.status])).toEqual([
      ['b', 'delivered'],
      ['a', 'enqueued'],
    ]);
  });
});
