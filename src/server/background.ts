import type { Context } from 'hono';
import { nodeBindings, type AppEnv } from './app-env';
import type { Logger } from './log';

/**
 * Work that runs after a request has been answered, so it can neither change the answer nor delay it
 * (the invite route's notice to the invitee). Shutdown waits for what is under way before the store closes.
 */
export interface BackgroundTasks {
  run(name: string, task: () => Promise<void>): void;
  /** Resolves once nothing is under way (shutdown, and tests that look at what a task did). */
  idle(): Promise<void>;
}

export function backgroundTasks(log: Logger): BackgroundTasks {
  const running = new Set<Promise<void>>();
  return {
    run(name, task) {
      const run = task()
        .catch((error: unknown) => log.error({ err: error, task: name }, 'background task failed'))
        .finally(() => running.delete(run));
      running.add(run);
    },
    async idle() {
      while (running.size) await Promise.all(running);
    },
  };
}

/**
 * Runs `task` once the answer to `c` has gone: under Node when the response has closed, in-process (tests)
 * on the next turn of the event loop, after the handler's Response has been handed back.
 */
export function afterAnswer(
  c: Context<AppEnv>,
  tasks: BackgroundTasks,
  name: string,
  task: () => Promise<void>,
): void {
  const { outgoing } = nodeBindings(c);
  if (outgoing) {
    outgoing.once('close', () => tasks.run(name, task));
    return;
  }
  // Counted as under way from now, so a test waiting for `idle()` also waits for this.
  tasks.run(name, async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await task();
  });
}
