import type { MessageRecord } from './message-record';

// The order every list of an account's messages is shown in, newest first: the reverse of IndexedDB's
// 'account-time' index, which sorts by the sender's time and then, for equal times, by the primary key
// (the envelope id, compared by code unit as IndexedDB and JavaScript both compare strings). Kept in one
// place so a record patched into a list in memory lands where a fresh read would put it.

export function newestFirst(a: MessageRecord, b: MessageRecord): number {
  if (a.sentAt !== b.sentAt) return b.sentAt - a.sentAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Where `record` belongs in a list sorted by `newestFirst`: the first index it does not come after. */
function insertionIndex(list: readonly MessageRecord[], record: MessageRecord): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const there = list[middle];
    if (there && newestFirst(there, record) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A new list with each record put in (by id: a known one is replaced, a new one added) at its place; the
 * given list is left as it was, so a snapshot already handed to the page does not change under it.
 */
export function withRecords(
  list: readonly MessageRecord[],
  records: readonly MessageRecord[],
): readonly MessageRecord[] {
  if (records.length === 0) return list;
  const changedIds = new Set(records.map((record) => record.id));
  const next = list.filter((record) => !changedIds.has(record.id));
  // The last write of an id wins, as it does in the store.
  const latest = new Map(records.map((record) => [record.id, record]));
  for (const record of latest.values()) next.splice(insertionIndex(next, record), 0, record);
  return next;
}
