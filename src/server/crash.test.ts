import { describe, expect, it } from 'vitest';
import { formatCrashReport, runCrashScenario, type CrashStore } from './testing/crash-run';

// The server killed with SIGKILL while messages flow, and started again on the same data (the hardening
// issue): nothing the server accepted may be lost, nothing acknowledged may come back, and the server is
// ready again within 5 s. `npm test` runs the bounded version; `npm run soak` (RINGPOST_SOAK=1) the long one.

const url = process.env.TEST_DATABASE_URL;
const soak = process.env.RINGPOST_SOAK === '1';
const { messages, kills } = soak ? { messages: 10_000, kills: 20 } : { messages: 500, kills: 3 };
const RECOVERY_LIMIT_MS = 5_000;

async function crashRun(store: CrashStore) {
  const report = await runCrashScenario({ ...store, messages, kills, log: (line) => console.log(line) });
  console.log(formatCrashReport(report));
  expect(report.problems).toEqual([]);
  expect(report.kills).toBe(kills);
  // Each kill landed inside requests under way, not in a quiet moment between them.
  expect(Math.min(...report.inFlightAtKill)).toBeGreaterThan(0);
  // The outbox resent until the server took every message, however often it died.
  expect(report.sent).toBe(messages);
  expect(report.acknowledgedByServer).toBe(messages);
  expect(report.lost).toBe(0);
  expect(report.duplicated).toBe(0);
  expect(report.delivered).toBe(messages);
  expect(report.maxRecoveryMs).toBeLessThan(RECOVERY_LIMIT_MS);
}

const timeout = soak ? 60 * 60_000 : 120_000;
const killed = `killed ${kills} times over ${messages} messages`;

describe(`the server on SQLite, ${killed}`, () => {
  it('loses nothing it accepted and delivers nothing twice', () => crashRun({ store: 'sqlite' }), timeout);
});

describe.skipIf(!url)(`the server on PostgreSQL, ${killed}`, () => {
  it(
    'loses nothing it accepted and delivers nothing twice',
    () => crashRun({ store: 'postgres', adminUrl: url ?? '' }),
    timeout,
  );
});
