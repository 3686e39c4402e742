import type pg from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Clock } from './clock';
import type { RateRule } from './config';

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one event under `key` and says whether it stays within `rule`. */
  hit(key: string, rule: RateRule): Promise<RateVerdict>;
  /** Says whether `key` has already used up `rule`, without counting anything. */
  check(key: string, rule: RateRule): Promise<RateVerdict>;
  /** Forgets what `key` counted in the current window (a sign-in that succeeds clears its failures). */
  reset(key: string, rule: RateRule): Promise<void>;
}

export interface FlexibleRateLimiterOptions {
  clock: Clock;
  /** Counts live in this PostgreSQL pool's `rate_limits` table, shared by every instance; else in memory. */
  pgPool?: pg.Pool | null;
  /** Memory store only: the most keys held at once, so a flood of distinct keys cannot exhaust memory. */
  maxKeys?: number;
}

export interface FlexibleRateLimiter extends RateLimiter {
  /** Memory store only: how many keys this process holds now. */
  keyCount(): number;
}

/**
 * rate-limiter-flexible does the counting (atomic upserts on PostgreSQL, a Map in memory). Windows are
 * fixed and numbered by the app's clock, so the window is part of the stored key: time comes from the
 * injected clock, tests move it without sleeping, and a new window simply starts a new key. The library's
 * own expiry only cleans up.
 */
export function flexibleRateLimiter(options: FlexibleRateLimiterOptions): FlexibleRateLimiter {
  const { clock, pgPool = null, maxKeys = 100_000 } = options;
  const limiters = new Map<string, RateLimiterAbstract>();
  // Memory store: stored key → end of its window, oldest first (Map keeps insertion order).
  const held = new Map<string, { limiter: RateLimiterAbstract; windowEnd: number }>();

  function limiterFor(rule: RateRule): RateLimiterAbstract {
    const id = `${rule.limit}/${rule.windowMs}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      // The stored key names its window, so the library never has to reset a count; its own expiry (on
      // the real clock, in whole seconds) only has to outlast the window, so a key is never dropped early.
      const base = { points: rule.limit, duration: Math.max(1, Math.ceil(rule.windowMs / 1000)) };
      limiter = pgPool
        ? new RateLimiterPostgres({
            ...base,
            keyPrefix: 'rp',
            storeClient: pgPool,
            storeType: 'pool',
            tableName: 'rate_limits',
            tableCreated: true,
            clearExpiredByTimeout: false,
            // If PostgreSQL cannot answer, this instance keeps limiting on its own rather than failing open.
            insuranceLimiter: new RateLimiterMemory({ ...base, keyPrefix: 'rp-insurance' }),
          })
        : new RateLimiterMemory({ ...base, keyPrefix: 'rp' });
      limiters.set(id, limiter);
    }
    return limiter;
  }

  function windowOf(key: string, rule: RateRule) {
    const now = clock.now();
    const index = Math.floor(now / rule.windowMs);
    const windowEnd = (index + 1) * rule.windowMs;
    return {
      stored: `${key}@${rule.windowMs}:${index}`,
      retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)),
      windowEnd,
      now,
    };
  }

  async function bound(now: number) {
    if (held.size < maxKeys) return;
    for (const [stored, entry] of held) {
      if (entry.windowEnd <= now) {
        held.delete(stored);
        await entry.limiter.delete(stored);
      }
    }
    for (const [stored, entry] of held) {
      if (held.size < maxKeys) break;
      held.delete(stored);
      await entry.limiter.delete(stored);
    }
  }

  return {
    async hit(key, rule) {
      const limiter = limiterFor(rule);
      const window = windowOf(key, rule);
      if (!pgPool && !held.has(window.stored)) {
        await bound(window.now);
        held.set(window.stored, { limiter, windowEnd: window.windowEnd });
      }
      try {
        await limiter.consume(window.stored, 1);
        return { allowed: true };
      } catch (rejection) {
        // The library rejects with its result when the points are used up, and with an Error otherwise.
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: window.retryAfterSeconds };
        }
        throw rejection;
      }
    },
    async check(key, rule) {
      const window = windowOf(key, rule);
      const result = await limiterFor(rule).get(window.stored);
      return result && result.consumedPoints >= rule.limit
        ? { allowed: false, retryAfterSeconds: window.retryAfterSeconds }
        : { allowed: true };
    },
    async reset(key, rule) {
      const window = windowOf(key, rule);
      held.delete(window.stored);
      await limiterFor(rule).delete(window.stored);
    },
    keyCount: () => held.size,
  };
}
