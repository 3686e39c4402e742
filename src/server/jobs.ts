import type { Cancel, Clock } from './clock';
import type { Logger } from './log';

/** A periodic sweep (expired sessions now; hold expiry, retention and the decoy pool later). */
export interface Job {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/**
 * Runs `run` unless another instance is running the job of that name now; resolves whether it ran. Jobs
 * are idempotent all the same: a lock lost with its connection may let two runs overlap, and then each
 * row is still changed once.
 */
export type JobLock = (name: string, run: () => Promise<void>) => Promise<boolean>;

export interface JobRunner {
  start(): void;
  /** Stops scheduling and waits for any run under way, so shutdown never cuts a sweep in half. */
  stop(): Promise<void>;
  /** Runs one job now (tests, and a first sweep at start), waiting for it; false when it ran elsewhere. */
  runNow(name: string): Promise<boolean>;
}

export function createJobRunner({
  clock,
  log,
  jobs,
  lock = (_name, run) => run().then(() => true),
}: {
  clock: Clock;
  log: Logger;
  jobs: Job[];
  /** Several instances on PostgreSQL pass an advisory lock (job-locks.ts); one process needs none. */
  lock?: JobLock;
}): JobRunner {
  const running = new Map<string, Promise<boolean>>();
  let cancels: Cancel[] = [];

  function runOnce(job: Job): Promise<boolean> {
    // A slow run is never doubled by the next tick: the tick joins the run under way.
    const under = running.get(job.name);
    if (under) return under;
    const started = clock.now();
    const run = lock(job.name, () => job.run())
      .then((ran) => {
        if (ran) log.debug({ job: job.name, ms: clock.now() - started }, 'job done');
        else log.debug({ job: job.name }, 'job running on another instance');
        return ran;
      })
      .catch((error: unknown) => {
        log.error({ err: error, job: job.name }, 'job failed');
        return false;
      })
      .finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  }

  return {
    start() {
      if (cancels.length) return;
      cancels = jobs.map((job) => clock.setInterval(() => void runOnce(job), job.everyMs));
    },
    async stop() {
      for (const cancel of cancels) cancel();
      cancels = [];
      await Promise.all(running.values());
    },
    runNow(name) {
      const job = jobs.find((candidate) => candidate.name === name);
      if (!job) return Promise.reject(new Error(`No job named ${name}.`));
      return runOnce(job);
    },
  };
}
