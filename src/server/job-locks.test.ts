import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from './clock';
import { createPgListener, type PgListener } from './db/pg-listener';
import { advisoryJobLock } from './job-locks';
import { memoryLogger } from './log';

// Two instances' listening connections to one real PostgreSQL, each holding the advisory locks of its jobs.

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('advisory job locks', () => {
  let first: PgListener;
  let second: PgListener;
  const scope = `locks_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const make = () =>
      createPgListener({
        newClient: () => new pg.Client({ connectionString: url }),
        channels: [],
        clock: systemClock,
        log: memoryLogger().log,
      });
    first = make();
    second = make();
    await first.start();
    await second.start();
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('runs a job on one instance while the other skips it, then lets the other once it is done', async () => {
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = advisoryJobLock(first, scope)('retention', () => held);
    // Until the first run ends, the second instance finds the lock taken.
    await expect.poll(() => advisoryJobLock(second, scope)('retention', () => Promise.resolve())).toBe(false);
    // Another job, or the same name in another deployment, is not held.
    expect(await advisoryJobLock(second, scope)('message-hold', () => Promise.resolve())).toBe(true);
    expect(await advisoryJobLock(second, `${scope}x`)('retention', () => Promise.resolve())).toBe(true);
    release();
    expect(await running).toBe(true);
    expect(await advisoryJobLock(second, scope)('retention', () => Promise.resolve())).toBe(true);
  });

  it('releases the lock when the job throws', async () => {
    const failing = advisoryJobLock(first, scope)('expired-invites', () => Promise.reject(new Error('boom')));
    await expect(failing).rejects.toThrow('boom');
    expect(await advisoryJobLock(second, scope)('expired-invites', () => Promise.resolve())).toBe(true);
  });

  it('runs nothing while its connection is down', async () => {
    const down = createPgListener({
      newClient: () => new pg.Client({ connectionString: url }),
      channels: [],
      clock: systemClock,
      log: memoryLogger().log,
    });
    let ran = false;
    expect(
      await advisoryJobLock(down, scope)('retention', () => {
        ran = true;
        return Promise.resolve();
      }),
    ).toBe(false);
    expect(ran).toBe(false);
  });
});
