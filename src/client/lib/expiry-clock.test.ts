import { describe, expect, it } from 'vitest';
import type { MessageRecord } from './message-record';
import { expiryClock, expiryWords, timeLeft } from './expiry-clock';

const rules = { outboxExpiryMs: 12 * 3_600_000, holdMs: 72 * 3_600_000, retentionMs: 7 * 86_400_000 };

function message(extra: Partial<MessageRecord>): MessageRecord {
  return {
    accountName: 'a',
    id: 'm',
    direction: 'sent',
    peer: 'b',
    envelope: {} as MessageRecord['envelope'],
    sentAt: 1_000,
    storedAt: 2_000,
    status: 'delivered',
    statusReason: null,
    statusAt: 3_000,
    ...extra,
  };
}

describe('the expiry clock', () => {
  it('runs the outbox’s 12 h while sending, the 72 h hold while enqueued, then the 7 days', () => {
    expect(expiryClock(message({ status: 'sending' }), rules)).toEqual({
      kind: 'outbox',
      at: 2_000 + 12 * 3_600_000,
    });
    expect(expiryClock(message({ status: 'enqueued' }), rules)).toEqual({
      kind: 'hold',
      at: 3_000 + 72 * 3_600_000,
    });
    expect(expiryClock(message({ status: 'delivered' }), rules)).toEqual({
      kind: 'retention',
      at: 1_000 + 7 * 86_400_000,
    });
    expect(expiryClock(message({ direction: 'received' }), rules)?.kind).toBe('retention');
  });

  it('shows none for a starred message or one whose content is gone', () => {
    expect(expiryClock(message({ starred: true }), rules)).toBeNull();
    expect(expiryClock(message({ envelope: null }), rules)).toBeNull();
  });

  it('says the time left in the largest whole unit', () => {
    expect(timeLeft(6 * 86_400_000 + 5)).toBe('6 days');
    expect(timeLeft(86_400_000)).toBe('1 day');
    expect(timeLeft(3 * 3_600_000 + 59 * 60_000)).toBe('3 hours');
    expect(timeLeft(61_000)).toBe('1 minute');
    expect(timeLeft(59_000)).toBe('less than a minute');
    expect(expiryWords({ kind: 'retention', at: 10 }, 20)).toBe('Destroyed in less than a minute');
    expect(expiryWords({ kind: 'hold', at: 3_600_000 }, 0)).toBe('Waits 1 hour more for delivery');
    expect(expiryWords(null, 0)).toBeNull();
  });
});
