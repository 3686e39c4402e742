import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import type { Clock } from '../clock';

/**
 * Holds the answer back until `floorMs` after the request arrived, whatever it is: a 201 or a 409, a real
 * key or a decoy, an error from validation. Equal work cannot be made equal to the microsecond (a free
 * account name costs a flushed commit, a real community name reads one row more), and an observer who
 * can send thousands of requests sees microseconds. A timer started on arrival can: when the work ends
 * before the floor, the answer leaves when the timer fires, and that moment owes nothing to the work.
 * The floor must stay above the slowest path; past it, the work's own time shows again (decision 022).
 */
export function answerNoSoonerThan(clock: Clock, floorMs: number): MiddlewareHandler<AppEnv> {
  return async (_c, next) => {
    if (floorMs <= 0) {
      await next();
      return;
    }
    // Started before any work, so the moment it fires depends only on when the request came in.
    const floor = clock.sleep(floorMs);
    try {
      await next();
    } finally {
      await floor;
    }
  };
}
