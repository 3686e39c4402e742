import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import type { RateRule } from '../config';
import { rateLimited } from '../errors';
import type { RateLimiter } from '../rate-limit';

/** Counts the request under `keyOf(c)` and answers 429 with Retry-After once `rule` is used up. */
export function rateLimit(
  limiter: RateLimiter,
  rule: RateRule,
  keyOf: (c: Context<AppEnv>) => string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const verdict = await limiter.hit(keyOf(c), rule);
    if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
    await next();
  };
}
