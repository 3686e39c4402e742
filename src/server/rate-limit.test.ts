import { describe, expect, it } from 'vitest';
import { manualClock } from './clock';
import { memoryRateLimiter } from './rate-limit';

describe('memory rate limiter', () => {
  it('allows up to the limit in a window, then says how long to wait', () => {
    const clock = manualClock();
    const limiter = memoryRateLimiter(clock);
    const rule = { limit: 3, windowMs: 60_000 };
    for (let i = 0; i < 3; i++) expect(limiter.hit('k', rule)).toEqual({ allowed: true });
    expect(limiter.hit('k', rule)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    clock.advance(45_000);
    expect(limiter.hit('k', rule)).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect(limiter.hit('other', rule)).toEqual({ allowed: true });
    clock.advance(15_000);
    expect(limiter.hit('k', rule)).toEqual({ allowed: true });
  });

  it('keeps memory bounded under a flood of distinct keys', () => {
    const clock = manualClock();
    const limiter = memoryRateLimiter(clock, 100);
    const rule = { limit: 1, windowMs: 60_000 };
    for (let i = 0; i < 1_000; i++) limiter.hit(`key-${i}`, rule);
    // The newest keys are still counted after the oldest were dropped.
    expect(limiter.hit('key-999', rule).allowed).toBe(false);
  });
});
