import { describe, expect, it } from 'vitest';
import { manualClock } from './clock';
import { flexibleRateLimiter } from './rate-limit';
import { storeTargets, useTestStore } from './testing/test-app';

const rule = { limit: 3, windowMs: 60_000 };

describe.each(storeTargets())('rate limits counted on $kind', (target) => {
  const store = useTestStore(target);
  let prefix = 0;
  // Every case gets its own keys: on PostgreSQL the counts of earlier cases live on in the table.
  const key = (name: string) => `${target.kind}-${++prefix}-${name}`;

  it('allows up to the limit in a window, then says how long to wait, then starts afresh', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const limiter = flexibleRateLimiter({ clock, pgPool: store().pgPool });
    const k = key('k');
    for (let i = 0; i < 3; i++) expect(await limiter.hit(k, rule)).toEqual({ allowed: true });
    expect(await limiter.hit(k, rule)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    await clock.advance(45_000);
    expect(await limiter.hit(k, rule)).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect(await limiter.hit(key('other'), rule)).toEqual({ allowed: true });
    await clock.advance(15_000);
    expect(await limiter.hit(k, rule)).toEqual({ allowed: true });
  });

  it('checks without counting, and a reset forgets the window', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const limiter = flexibleRateLimiter({ clock, pgPool: store().pgPool });
    const k = key('check');
    for (let i = 0; i < 5; i++) expect(await limiter.check(k, rule)).toEqual({ allowed: true });
    for (let i = 0; i < 3; i++) await limiter.hit(k, rule);
    expect(await limiter.check(k, rule)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    await limiter.reset(k, rule);
    expect(await limiter.check(k, rule)).toEqual({ allowed: true });
    expect(await limiter.hit(k, rule)).toEqual({ allowed: true });
  });

  it('keeps separate counts for separate rules on one key', async () => {
    const clock = manualClock();
    const limiter = flexibleRateLimiter({ clock, pgPool: store().pgPool });
    const k = key('rules');
    const strict = { limit: 1, windowMs: 60_000 };
    await limiter.hit(k, strict);
    expect((await limiter.hit(k, strict)).allowed).toBe(false);
    expect((await limiter.hit(k, rule)).allowed).toBe(true);
  });
});

describe('the memory store', () => {
  it('holds at most maxKeys keys under a flood of distinct keys, keeping the newest', async () => {
    const clock = manualClock();
    const limiter = flexibleRateLimiter({ clock, maxKeys: 100 });
    const strict = { limit: 1, windowMs: 60_000 };
    for (let i = 0; i < 1_000; i++) {
      await limiter.hit(`flood-${i}`, strict);
      expect(limiter.keyCount()).toBeLessThanOrEqual(100);
    }
    expect(limiter.keyCount()).toBe(100);
    // A key it holds already costs no room: another hit on it drops nobody.
    await limiter.hit('flood-999', strict);
    expect(limiter.keyCount()).toBe(100);
    // Count what the library itself still holds: a key it still counts is refused on check.
    let held = 0;
    for (let i = 0; i < 1_000; i++) if (!(await limiter.check(`flood-${i}`, strict)).allowed) held += 1;
    expect(held).toBe(100);
    expect((await limiter.check('flood-999', strict)).allowed).toBe(false);
    expect((await limiter.check('flood-0', strict)).allowed).toBe(true);
  });

  it('drops keys whose window has passed before dropping live ones', async () => {
    const clock = manualClock();
    const limiter = flexibleRateLimiter({ clock, maxKeys: 10 });
    const short = { limit: 1, windowMs: 1_000 };
    const long = { limit: 1, windowMs: 3_600_000 };
    for (let i = 0; i < 5; i++) await limiter.hit(`long-${i}`, long);
    for (let i = 0; i < 5; i++) await limiter.hit(`short-${i}`, short);
    // To the very end of the short window: a window is over at its end, not a moment after.
    await clock.advance(short.windowMs - (clock.now() % short.windowMs));
    for (let i = 5; i < 10; i++) await limiter.hit(`long-${i}`, long);
    expect(limiter.keyCount()).toBe(10);
    for (let i = 0; i < 10; i++) expect((await limiter.check(`long-${i}`, long)).allowed).toBe(false);
  });
});

describe('the memory store until it is full', () => {
  it('leaves keys of past windows until it needs the room, so a request costs no sweep', async () => {
    const clock = manualClock();
    const limiter = flexibleRateLimiter({ clock, maxKeys: 10 });
    const short = { limit: 1, windowMs: 1_000 };
    for (let i = 0; i < 5; i++) await limiter.hit(`past-${i}`, short);
    await clock.advance(5_000);
    await limiter.hit('now', short);
    expect(limiter.keyCount()).toBe(6);
  });
});

describe.each(storeTargets().filter((target) => target.kind === 'postgres'))(
  'rate limits on $kind with several instances',
  (target) => {
    const store = useTestStore(target);

    it('counts in the rate_limits table, so every instance sees the same counts', async () => {
      const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
      const pgPool = store().pgPool;
      const first = flexibleRateLimiter({ clock, pgPool });
      const second = flexibleRateLimiter({ clock, pgPool });
      const k = `shared-${process.pid}-${Date.now()}`;
      for (let i = 0; i < 2; i++) expect(await first.hit(k, rule)).toEqual({ allowed: true });
      expect(await second.hit(k, rule)).toEqual({ allowed: true });
      expect(await first.hit(k, rule)).toEqual({ allowed: false, retryAfterSeconds: 60 });
      expect(await second.check(k, rule)).toEqual({ allowed: false, retryAfterSeconds: 60 });
      // Nothing held in this process: the table is the only count.
      expect(first.keyCount() + second.keyCount()).toBe(0);
      // Four: a refused hit is counted too, so hammering past the limit never wins a request back.
      const rows = await store()
        .db.selectFrom('rate_limits')
        .select(['key', 'points'])
        .where('key', 'like', `rp:${k}@%`)
        .execute();
      expect(rows).toEqual([{ key: `rp:${k}@60000:${Math.floor(clock.now() / 60_000)}`, points: 4 }]);
    });
  },
);
