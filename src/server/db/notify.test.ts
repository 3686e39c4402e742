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

  it('fills each payload up to the limit exactly, and not a byte past it', () => {
    // Entries of 38 to 52 bytes (a 1- to 15-digit number, a colon, a UUID) joined to exactly `total`.
    const entry = (digits: number) => ({ userId: randomUUID(), seq: Number('9'.repeat(digits)) });
    const joinedTo = (total: number) => {
      const entries = [entry(1)];
      let length = 38;
      while (length + 39 <= total) {
        entries.push(entry(1));
        length += 39;
      }
      for (let index = entries.length - 1; length < total; index -= 1) {
        const grow = Math.min(14, total - length);
        entries[index] = entry(1 + grow);
        length += grow;
      }
      return entries;
    };
    for (const total of [PAYLOAD_MAX_BYTES, PAYLOAD_MAX_BYTES - 38]) {
      const full = joinedTo(total);
      expect(encodeAppended(full).map((payload) => payload.length)).toEqual([total]);
      // One entry more (39 bytes with its comma) no longer fits: it starts the next payload.
      const more = [...full, entry(1)];
      expect(encodeAppended(more).map((payload) => payload.length)).toEqual([total, 38]);
      expect(encodeAppended(more).flatMap((payload) => decodeAppended(payload) ?? [])).toEqual(more);
    }
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
    expect(long.events).toMatch(/^ringpost_events_[0-9a-f]{32}$/);
    expect(long.sessions).toMatch(/^ringpost_sessions_[0-9a-f]{32}$/);
    // Exactly 63 bytes is still kept as it is, readable in pg_stat_activity.
    const fits = 's'.repeat(63 - 'ringpost_sessions_'.length);
    expect(channelsFor(fits).sessions).toBe(`ringpost_sessions_${fits}`);
  });
});
