import type { Clock } from './clock';
import type { RateRule } from './config';

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one attempt under `key` and says whether it is within `rule`. */
  hit(key: string, rule: RateRule): RateVerdict;
}

/**
 * Fixed windows held in this process's memory. Good for one instance; several instances behind a balancer
 * each count on their own, which multiplies the limit by the instance count (see docs/decisions).
 */
export function memoryRateLimiter(clock: Clock, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number; windowMs: number }>();

  function prune(now: number) {
    for (const [key, window] of windows) {
      if (now - window.start >= window.windowMs) windows.delete(key);
    }
    // A flood of distinct keys must not grow memory without bound: drop the oldest windows first.
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  }

  return {
    hit(key, rule) {
      const now = clock.now();
      let window = windows.get(key);
      if (!window || now - window.start >= rule.windowMs) {
        if (windows.size >= maxKeys) prune(now);
        window = { start: now, count: 0, windowMs: rule.windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count <= rule.limit) return { allowed: true };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + rule.windowMs - now) / 1000)),
      };
    },
  };
}
