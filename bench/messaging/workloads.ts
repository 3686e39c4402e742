// The 1:1 workloads of the messaging bench, written once and run against every server: Ringpost (on
// SQLite and PostgreSQL) and Prosody. A server is reached through `BenchPair`s, one sender and one
// recipient each, whose waits may be asked for before or after the event they wait on has happened.

export interface BenchPair {
  /** How many messages this pair has ready to send (sealed in advance: the sender's crypto is not timed). */
  readonly capacity: number;
  /** Sends message `k`; resolves when the sender has handed it over (Ringpost: its 202 has come back). */
  send(k: number): Promise<void>;
  /** Resolves when the server has durably stored message `k` for an offline recipient. */
  stored(k: number): Promise<void>;
  /** Resolves when the recipient has message `k`. */
  received(k: number): Promise<void>;
  /** Resolves when the sender has been told message `k` was delivered. */
  delivered(k: number): Promise<void>;
  /** Brings the recipient online (opens its push channel, or sends its presence); it acknowledges. */
  connectRecipient(): Promise<void>;
  close(): Promise<void>;
}

/** A promise per key that can be awaited before or after it is settled, settled at most once. */
export class Latches<K> {
  readonly #entries = new Map<
    K,
    { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void }
  >();

  #entry(key: K) {
    let entry = this.#entries.get(key);
    if (!entry) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      // A latch nobody awaits must not become an unhandled rejection when the run is torn down.
      promise.catch(() => undefined);
      entry = { promise, resolve, reject };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  wait(key: K, timeoutMs = 30_000, what = 'event'): Promise<void> {
    const { promise } = this.#entry(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`No ${what} for ${String(key)} within ${timeoutMs} ms.`)),
        timeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  settle(key: K): void {
    this.#entry(key).resolve();
  }

  failAll(error: Error): void {
    for (const entry of this.#entries.values()) entry.reject(error);
  }
}

export interface LatencySamples {
  /** Send until the recipient has it: the server's forward. */
  forwardMs: number[];
  /** Send until the sender is told it was delivered (the recipient's acknowledgement included). */
  deliveredMs: number[];
}

/** One message at a time on one pair, so every figure is latency and never queueing. */
export async function latencyWorkload(
  pair: BenchPair,
  firstMessage: number,
  warmup: number,
  messages: number,
): Promise<LatencySamples> {
  if (firstMessage + warmup + messages > pair.capacity)
    throw new Error('The pair has too few messages sealed.');
  const forwardMs: number[] = [];
  const deliveredMs: number[] = [];
  for (let k = firstMessage; k < firstMessage + warmup + messages; k++) {
    const started = performance.now();
    const forwarded = pair.received(k).then(() => performance.now());
    const delivered = pair.delivered(k).then(() => performance.now());
    await pair.send(k);
    const [forwardedAt, deliveredAt] = await Promise.all([forwarded, delivered]);
    if (k < firstMessage + warmup) continue;
    forwardMs.push(forwardedAt - started);
    deliveredMs.push(deliveredAt - started);
  }
  return { forwardMs, deliveredMs };
}

export interface RateResult {
  messages: number;
  seconds: number;
  /** Over the whole run. */
  perSecond: number;
  /** Rates in consecutive windows of the run (the ramp-up and the tail left out): their spread. */
  windowRates: number[];
}

const WINDOW_MS = 250;

function rateOf(started: number, completions: readonly number[]): RateResult {
  const ended = performance.now();
  const seconds = (ended - started) / 1000;
  const counts = new Map<number, number>();
  for (const at of completions) {
    const window = Math.floor((at - started) / WINDOW_MS);
    counts.set(window, (counts.get(window) ?? 0) + 1);
  }
  const last = Math.floor((ended - started) / WINDOW_MS);
  const windowRates: number[] = [];
  // The first window is the ramp-up and the last one a part window: neither is the sustained rate.
  for (let window = 1; window < last; window++)
    windowRates.push(((counts.get(window) ?? 0) * 1000) / WINDOW_MS);
  return { messages: completions.length, seconds, perSecond: completions.length / seconds, windowRates };
}

/**
 * Every pair keeps `inFlight` messages outstanding until it has sent `perPair`; a message stops being
 * outstanding when `done` says so. Returns the rate over the whole run.
 */
export async function closedLoop(
  pairs: readonly BenchPair[],
  perPair: number,
  inFlight: number,
  done: (pair: BenchPair, k: number) => Promise<void>,
  firstMessage = 0,
): Promise<RateResult> {
  const started = performance.now();
  const completions: number[] = [];
  await Promise.all(
    pairs.map(async (pair) => {
      if (firstMessage + perPair > pair.capacity) throw new Error('The pair has too few messages sealed.');
      let next = firstMessage;
      const end = firstMessage + perPair;
      const lane = async () => {
        while (next < end) {
          const k = next++;
          const finished = done(pair, k);
          await pair.send(k);
          await finished;
          completions.push(performance.now());
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    }),
  );
  return rateOf(started, completions);
}

/** Brings every recipient online at once and waits until each has all `perPair` messages. */
export async function deliverOnConnect(
  pairs: readonly BenchPair[],
  perPair: number,
  firstMessage = 0,
): Promise<RateResult> {
  const started = performance.now();
  const completions: number[] = [];
  await Promise.all(
    pairs.map(async (pair) => {
      const all = Array.from({ length: perPair }, (_, i) =>
        pair.received(firstMessage + i).then(() => void completions.push(performance.now())),
      );
      await pair.connectRecipient();
      await Promise.all(all);
    }),
  );
  return rateOf(started, completions);
}
