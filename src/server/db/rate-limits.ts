import type { Db } from './schema';

/**
 * rate-limiter-flexible leaves expired PostgreSQL rows in place; the sweep removes those that expired
 * over an hour ago (as the library's own timer would), on the app's clock and jobs runner instead.
 */
export async function deleteExpiredRateLimits(db: Db, now: number): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where('expire', '<', now - 3_600_000)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
