import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { channelsFor, decodeAppended, encodeAppended, PAYLOAD_MAX_BYTES } from './notify';

describe('what instances tell each other', () => {
  it('splits a large batch into payloads under the limit, and reads back every entry in order', () => {
    const entries = Array.from({ length: 1_000 }, (_, index) => ({
      userId: randomUUID(),
      seq: 1_000_000_000 + index,
    }));
    const payloads = encodeAppended(entries);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(PAYLOAD_MAX_BYTES);
    expect(payloads.flatMap((payload) => decodeAppended(payload) ?? [])).toEqual(entries);
  });

  it('sends nothing for nothing', () => {
    expect(encodeAppended([])).toEqual([]);
  });

  it('refuses a payload it did not write rather than guessing', () => {
    for (const payload of ['', 'hello', '12:not-a-uuid', `12:${randomUUID()},`, `x:${randomUUID()}`]) {
      expect(decodeAppended(payload)).toBeNull();
    }
  });

  it('names channels by schema, within the 63 bytes PostgreSQL keeps of a name', () => {
    const a = channelsFor('public');
    const b = channelsFor('tenant_b');
    expect(a.events).not.toBe(b.events);
    expect(a.events).not.toBe(a.sessions);
    const long = channelsFor('s'.repeat(63));
    const other = channelsFor(`${'s'.repeat(62)}t`);
    for (const name of [long.events, long.sessions]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(long.events).not.toBe(other.events);
  });
});
