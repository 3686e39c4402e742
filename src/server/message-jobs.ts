import type { Clock } from './clock';
import type { Config } from './config';
import { deleteEventsBefore } from './db/events';
import { deleteEventReadsBefore, sweepMessages } from './db/marks';
import type { Db } from './db/schema';
import type { Job } from './jobs';
import type { Logger } from './log';
import { expireHeldMessages } from './messaging';
import type { EventBus } from './push/event-bus';
import type { ServerKeyring } from './server-keys';

export interface MessageJobDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  config: Config;
  log: Logger;
  keyring: ServerKeyring;
}

/** Messaging's sweeps, for the server's job runner (and the tests' own). */
export function messageJobs(deps: MessageJobDeps): Job[] {
  const { db, clock, config, log } = deps;
  return [
    {
      // DESIGN §2: a message its recipient has not taken within the hold fails, and its content is destroyed.
      name: 'message-hold',
      everyMs: config.sweepIntervalMs,
      run: async () => {
        const failed = await expireHeldMessages(deps);
        if (failed) log.info({ failed }, 'held messages expired');
      },
    },
    {
      // DESIGN §2: after retention the push log goes and finished messages lose their content (starred ones
      // excepted); their rows stay for History until the history window ends. A browser resuming from an
      // older id gets what is left.
      name: 'retention',
      everyMs: config.sweepIntervalMs,
      run: async () => {
        const now = clock.now();
        const cutoff = now - config.retentionMs;
        const events = await deleteEventsBefore(db, cutoff);
        const { emptied, removed } = await sweepMessages(db, {
          contentCutoff: cutoff,
          rowCutoff: now - config.historyMs,
        });
        const marks = await deleteEventReadsBefore(db, now - config.historyMs);
        if (events || emptied || removed || marks)
          log.info({ events, emptied, removed, marks }, 'retention sweep');
      },
    },
  ];
}
