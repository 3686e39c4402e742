import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../shared/crypto/encoding';
import { envelopeV1Schema, type EnvelopeV1 } from '../../shared/protocol/messages';
import type { MessageRecord } from './message-record';
import { addMessage, isUnread, listMessages, markRead, purgeExpired } from './message-store';

// Runs in Chromium, on the app's real IndexedDB.

const b64 = (bytes: number) => toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/** The shape only: the store keeps envelopes as they came and never opens them. */
function envelope(): EnvelopeV1 {
  return envelopeV1Schema.parse({
    v: 1,
    id: b64(16),
    from: 'alice',
    to: 'bob',
    ts: 0,
    kid: { from: 'a'.repeat(64), to: 'b'.repeat(64) },
    iv: b64(12),
    ct: b64(1_040),
    wk: { to: b64(128), from: b64(128) },
    sig: b64(128),
  });
}

const DAY = 86_400_000;
const NOW = 1_000 * DAY;
const limits = { retentionMs: 7 * DAY, historyMs: 14 * DAY };

function record(
  accountName: string,
  id: string,
  ageMs: number,
  extra: Partial<MessageRecord> = {},
): MessageRecord {
  return {
    accountName,
    id,
    direction: 'received',
    peer: 'alice',
    envelope: envelope(),
    sentAt: NOW - ageMs,
    storedAt: NOW - ageMs,
    status: 'delivered',
    statusReason: null,
    statusAt: NOW - ageMs,
    ...extra,
  };
}

describe('the message store', () => {
  it('destroys content past retention, keeps the row until the window ends, and spares what is on its way', async () => {
    const account = `purge-${crypto.randomUUID()}`;
    for (const message of [
      record(account, 'fresh', DAY),
      record(account, 'expired', 8 * DAY),
      record(account, 'sent-delivered', 8 * DAY, { direction: 'sent', status: 'delivered' }),
      record(account, 'sent-enqueued', 8 * DAY, { direction: 'sent', status: 'enqueued' }),
      record(account, 'gone', 15 * DAY),
    ]) {
      await addMessage(message);
    }
    expect(await purgeExpired(account, NOW, limits)).toBe(3);
    const left = new Map((await listMessages(account)).map((message) => [message.id, message]));
    expect([...left.keys()].sort()).toEqual(['expired', 'fresh', 'sent-delivered', 'sent-enqueued']);
    expect(left.get('fresh')?.envelope).not.toBeNull();
    expect(left.get('expired')?.envelope).toBeNull();
    expect(left.get('sent-delivered')?.envelope).toBeNull();
    expect(left.get('sent-enqueued')?.envelope).not.toBeNull();
    // Again: nothing more to do.
    expect(await purgeExpired(account, NOW, limits)).toBe(0);
  });

  it('marks a received message read once, and counts it unread until then', async () => {
    const account = `read-${crypto.randomUUID()}`;
    await addMessage(record(account, 'm', DAY));
    expect(isUnread((await listMessages(account))[0] as MessageRecord)).toBe(true);
    expect(await markRead(account, 'm', NOW)).toBe(true);
    expect(await markRead(account, 'm', NOW + 1)).toBe(false);
    const [read] = await listMessages(account);
    expect(read?.readAt).toBe(NOW);
    expect(read && isUnread(read)).toBe(false);
  });
});
