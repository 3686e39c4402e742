import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../src/server/config';
import { openStore } from '../src/server/db/open-store';
import { createTestApp, randomAuthKey, signUpBody } from '../src/server/testing/test-app';
import { timingSeries, type TimingSeries } from './ring-timing';

// DESIGN §5: an unknown account and a wrong password must not be told apart by timing. Both run one scrypt
// (the unknown name against a decoy hash); this measures the two answers' latency through the real app
// on a real SQLite file, interleaved so machine noise falls on both alike.

/** `samples` sign-ins, half with a wrong password for a real account ("real"), half for unknown names. */
export async function runSignInTimingBench(samples = 2_000): Promise<TimingSeries> {
  const runs = samples / 2;
  const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-bench-'));
  const store = await openStore({ dataDir });
  const unlimited = { limit: 1_000_000, windowMs: 60_000 };
  const base = defaultConfig();
  // Every limit out of the way: this measures the answers, not the limiter.
  const rateLimits = Object.fromEntries(
    Object.keys(base.rateLimits).map((rule) => [rule, unlimited]),
  ) as typeof base.rateLimits;
  const { client } = createTestApp(store, { rateLimits });
  await client.post('/api/accounts', signUpBody('bench-user'));
  const wrong: number[] = [];
  const unknown: number[] = [];
  const time = async (name: string) => {
    const started = performance.now();
    const response = await client.fresh().post('/api/session', { name, authKey: randomAuthKey() });
    if (response.status !== 401) throw new Error(`expected 401, got ${response.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 5; i++) await time('bench-user');
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so whatever the first of two requests pays falls on both kinds.
    if (i % 2 === 0) {
      wrong.push(await time('bench-user'));
      unknown.push(await time(`nobody-${i}`));
    } else {
      unknown.push(await time(`nobody-${i}`));
      wrong.push(await time('bench-user'));
    }
  }
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return timingSeries(wrong, unknown);
}
