/** Cancels a scheduled callback; calling it again, or after the callback ran, does nothing. */
export type Cancel = () => void;

/**
 * The server's only source of time and of timers, so tests move time without sleeping: heartbeats, sweeps
 * and slow-downs all schedule through here.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): Cancel;
  setInterval(callback: () => void, ms: number): Cancel;
  /** Resolves after `ms`; with `signal`, rejects early when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleepWith(clock: Pick<Clock, 'setTimeout'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal?.reason as Error);
    };
    const cancel = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Timers are unref'd: only the HTTP server and open connections keep the process alive, so a pending
// sweep never holds up shutdown.
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  setInterval(callback, ms) {
    const timer = setInterval(callback, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  sleep: (ms, signal) => sleepWith(systemClock, ms, signal),
};

export interface ManualClock extends Clock {
  /**
   * Moves time forward, firing every timer that falls due on the way, in time order and each at its own
   * time; waits for promise callbacks between timers so async work started by one is done before the next.
   */
  advance(ms: number): Promise<void>;
  /** Timers waiting to fire; lets a test see that something was, or was not, scheduled. */
  pendingTimers(): number;
  /**
   * Waits (in real time, up to 5 s) until at least `count` timers are pending: work that reaches its timer
   * only after real I/O (a PostgreSQL query) must get there before the test moves time past it.
   */
  untilTimers(count?: number): Promise<void>;
}

interface Timer {
  id: number;
  due: number;
  callback: () => void;
  every: number | null;
}

/** A clock for tests: time stands still until the test advances it. */
export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let current = start;
  let nextId = 0;
  const timers = new Map<number, Timer>();

  function schedule(callback: () => void, ms: number, every: number | null): Cancel {
    const id = ++nextId;
    timers.set(id, { id, due: current + Math.max(0, ms), callback, every });
    return () => {
      timers.delete(id);
    };
  }

  function nextDue(until: number): Timer | undefined {
    let found: Timer | undefined;
    for (const timer of timers.values()) {
      if (
        timer.due <= until &&
        (!found || timer.due < found.due || (timer.due === found.due && timer.id < found.id))
      ) {
        found = timer;
      }
    }
    return found;
  }

  const clock: ManualClock = {
    now: () => current,
    setTimeout: (callback, ms) => schedule(callback, ms, null),
    setInterval: (callback, ms) => schedule(callback, ms, Math.max(1, ms)),
    sleep: (ms, signal) => sleepWith(clock, ms, signal),
    async advance(ms) {
      const until = current + ms;
      // Let work already under way reach its next timer before time moves.
      await settle();
      for (let timer = nextDue(until); timer; timer = nextDue(until)) {
        current = Math.max(current, timer.due);
        if (timer.every === null) timers.delete(timer.id);
        else timer.due += timer.every;
        timer.callback();
        await settle();
      }
      current = until;
    },
    pendingTimers: () => timers.size,
    async untilTimers(count = 1) {
      const giveUp = Date.now() + 5_000;
      while (timers.size < count) {
        if (Date.now() > giveUp) throw new Error(`Expected ${count} pending timers, found ${timers.size}.`);
        await new Promise<void>((resolve) => setTimeout(resolve, 2));
      }
    },
  };
  return clock;
}

/** Lets queued promise callbacks (and the I/O they start on fast stores) run; a few macrotask turns. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
