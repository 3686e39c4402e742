import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type Config } from '../src/server/config';
import { openStore } from '../src/server/db/open-store';
import { createTestApp } from '../src/server/testing/test-app';

/**
 * The real app on a throwaway SQLite file with every rate limit out of the way, for the enumeration
 * timing runs: they measure the answers, not the limiter. `close` removes the file.
 */
export async function openTimingApp(overrides: Partial<Config> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-bench-'));
  const store = await openStore({ dataDir });
  const unlimited = { limit: 1_000_000_000, windowMs: 60_000 };
  const base = defaultConfig();
  const rateLimits = Object.fromEntries(
    Object.keys(base.rateLimits).map((rule) => [rule, unlimited]),
  ) as Config['rateLimits'];
  const testApp = createTestApp(store, { rateLimits, ...overrides });
  return {
    ...testApp,
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
