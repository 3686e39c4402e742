import type { Cancel, Clock } from './clock';
import type { Logger } from './log';

/** A periodic sweep (expired sessions now; hold expiry, retention and the decoy pool later). */
export interface Job {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

export interface JobRunner {
  start(): void;
  /** Stops scheduling and waits for any run under way, so shutdown never cuts a sweep in half. */
  stop(): Promise<void>;
  /** Runs one job now (tests, and a first sweep at start), waiting for it. */
  runNow(name: string): Promise<void>;
}

export function createJobRunner({ clock, log, jobs }: { clock: Clock; log: Logger; jobs: Job[] }): JobRunner {
  const running = new Map<string, Promise<void>>();
  let cancels: Cancel[] = [];

  function runOnce(job: Job): Promise<void> {
    // A slow run is never doubled by the next tick: the tick joins the run under way.
    const under = running.get(job.name);
    if (under) return under;
    const started = clock.now();
    const run = job
      .run()
      .then(() => log.debug({ job: job.name, ms: clock.now() - started }, 'job done'))
      .catch((error: unknown) => log.error({ err: error, job: job.name }, 'job failed'))
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
    async runNow(name) {
      const job = jobs.find((candidate) => candidate.name === name);
      if (!job) throw new Error(`No job named ${name}.`);
      await runOnce(job);
    },
  };
}
