import { describe, expect, it } from 'vitest';
import type { RingResponse } from '../../../../shared/protocol/ring';
import type { MessageRecord } from '../../../lib/message-record';
import { historyEvents } from './history-events';

const DAY = 86_400_000;
const NOW = 100 * DAY;

function message(id: string, sentAt: number, direction: 'sent' | 'received' = 'received'): MessageRecord {
  return {
    accountName: 'bob',
    id,
    direction,
    peer: 'alice',
    envelope: null,
    sentAt,
    storedAt: sentAt,
    status: 'delivered',
    statusReason: null,
    statusAt: sentAt,
  };
}

const key = { publicKey: 'k', fingerprint: 'f'.repeat(64), keyBits: 1024 };

const ring: RingResponse = {
  termsAcceptedAt: 0,
  members: [{ communityName: 'carol', addedAt: NOW - 2 * DAY, invitedByMe: true, ...key }],
  sent: [],
  received: [
    { communityName: 'dave', id: 'A'.repeat(22), createdAt: NOW - DAY, expiresAt: NOW + DAY, ...key },
  ],
};

describe('history events', () => {
  it('lists messages, invites, acceptances and key changes of the window, newest first', () => {
    const events = historyEvents({
      messages: [message('m1', NOW - 3 * DAY), message('m2', NOW - 1000, 'sent')],
      ring,
      pins: {
        v: 1,
        members: {
          carol: {
            fingerprint: 'a'.repeat(64),
            pinnedAt: 0,
            verifiedAt: null,
            updatedAt: 0,
            keyChanges: [{ fingerprint: 'b'.repeat(64), detectedAt: NOW - 500, resolvedAt: null }],
          },
        },
      },
      now: NOW,
      windowMs: 7 * DAY,
      read: new Set(),
    });
    expect(events.map((event) => [event.kind, event.peer])).toEqual([
      ['key-change', 'carol'],
      ['message', 'alice'],
      ['invite', 'dave'],
      ['joined', 'carol'],
      ['message', 'alice'],
    ]);
  });

  it('leaves out what is older than the window, and keeps what is exactly at its edge', () => {
    const events = historyEvents({
      messages: [message('old', NOW - 7 * DAY - 1), message('edge', NOW - 7 * DAY)],
      ring: undefined,
      pins: null,
      now: NOW,
      windowMs: 7 * DAY,
      read: new Set(),
    });
    expect(events.map((event) => event.key)).toEqual(['m:edge']);
  });

  it('counts as unread what is news and not yet opened: never this account’s own acts', () => {
    const base = { now: NOW, windowMs: 7 * DAY, pins: null, messages: [] };
    const accepted: RingResponse = {
      ...ring,
      members: [
        { communityName: 'carol', addedAt: NOW - DAY, invitedByMe: true, ...key },
        { communityName: 'erin', addedAt: NOW - DAY, invitedByMe: false, ...key },
      ],
    };
    const unread = (read: Set<string>) =>
      historyEvents({ ...base, ring: accepted, read })
        .filter((event) => event.unread)
        .map((event) => event.key);
    // The invite from dave and carol accepting are news; having accepted erin's invite is not.
    expect(unread(new Set()).sort()).toEqual([`i:${'A'.repeat(22)}`, `j:carol:${NOW - DAY}`].sort());
    expect(unread(new Set([`i:${'A'.repeat(22)}`]))).toEqual([`j:carol:${NOW - DAY}`]);
    const read = historyEvents({
      ...base,
      ring: undefined,
      read: new Set(),
      messages: [message('m', NOW - 1)],
    });
    expect(read.map((event) => event.unread)).toEqual([true]);
  });
});
