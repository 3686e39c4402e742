import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/server/clock';
import { defaultConfig, type Config } from '../src/server/config';
import { openStore } from '../src/server/db/open-store';
import { createTestApp } from '../src/server/testing/test-app';

/**
 * The real app on a throwaway SQLite file with every rate limit out of the way, for the enumeration
 * timing runs: they measure the answers, not the limiter. The answer floors and the invite notice's
 * jitter are the production ones, on real time, since they are part of what is measured. `close` removes the file.
 */
export async function openTimingApp(overrides: Partial<Config> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-bench-'));
  const store = await openStore({ dataDir });
  const unlimited = { limit: 1_000_000_000, windowMs: 60_000 };
  const base = defaultConfig();
  const rateLimits = Object.fromEntries(
    Object.keys(base.rateLimits).map((rule) => [rule, unlimited]),
  ) as Config['rateLimits'];
  // The server's timers do not hold the process open (its listening socket does); here no socket listens,
  // so this keeps the process alive while an answer waits out its floor.
  const keepAlive = setInterval(() => undefined, 60_000);
  const testApp = createTestApp(
    store,
    {
      rateLimits,
      answerFloorMs: base.answerFloorMs,
      inviteNoticeJitterMs: base.inviteNoticeJitterMs,
      ...overrides,
    },
    { deps: { clock: systemClock } },
  );
  return {
    ...testApp,
    close: async () => {
      // Invite notices still waiting out their jitter finish before the file goes.
      await testApp.deps.tasks.idle();
      clearInterval(keepAlive);
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
