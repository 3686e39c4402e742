import type { Clock } from './clock';
import type { Config } from './config';
import { deleteExpiredInvites } from './db/ring';
import type { Db } from './db/schema';
import { refillDecoyPool, type DecoyKeyGenerator } from './decoy-keys';
import type { Job } from './jobs';
import type { Logger } from './log';

export interface RingJobDeps {
  db: Db;
  clock: Clock;
  config: Config;
  log: Logger;
  decoyKeys: DecoyKeyGenerator;
  /** Ends a pool refill between batches (at shutdown), so stopping never waits for a whole pool of keys. */
  signal?: AbortSignal;
}

/** The Ring of Trust's sweeps, for the server's job runner (and the tests' own). */
export function ringJobs({ db, clock, config, log, decoyKeys, signal }: RingJobDeps): Job[] {
  return [
    {
      // Declined invites stay past their expiry: they are what keeps a decline silent for good.
      name: 'expired-invites',
      everyMs: config.sweepIntervalMs,
      run: async () => {
        const removed = await deleteExpiredInvites(db, clock.now());
        if (removed) log.info({ removed }, 'expired invites removed');
      },
    },
    {
      name: 'decoy-pool',
      everyMs: config.sweepIntervalMs,
      run: async () => {
        const made = await refillDecoyPool(db, decoyKeys, {
          size: config.decoyPoolSize,
          bits: config.keyBits,
          now: () => clock.now(),
          signal,
        });
        if (made) log.info({ made }, 'decoy keys made');
      },
    },
  ];
}
