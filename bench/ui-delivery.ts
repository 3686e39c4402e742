import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, resolveChromium } from '../e2e/support/chromium';
import { APP_DIR, buildBenchApp, signInThroughUi, TIME_SEND_IN_PAGE } from './history-ui';
import { apiSession, createBenchPerson, joinRings } from '../src/server/testing/http-session';
import { DEFAULT_DATABASE_URL, onThrowawayStore } from './messaging/pg-schema';
import { BENCH_BUNDLES, startServerProcess, UNLIMITED_RATES } from './messaging/server-process';
import { spread, type Figure } from './report';

// Send → Delivered in the real UI (issue 10): alice and bob each in a browser context of their own, signed
// in through the form; alice types each message into the compose form and presses Send, and the time runs
// until her message's status says Delivered, which needs bob's open page to have received, checked and
// stored it and acknowledged it. Everything a person's message goes through: sealing in the crypto
// worker, IndexedDB and the outbox, the server (SQLite, then PostgreSQL), the push channel both ways.

export interface UiDeliveryOptions {
  messages?: number;
  warmup?: number;
  stores?: readonly UiStore[];
  databaseUrl?: string;
}

export type UiStore = 'sqlite' | 'postgres';

export type UiDeliveryRun = { store: UiStore; deliveredMs: number[] } | { store: UiStore; skipped: string };

export interface UiDeliveryReport {
  messages: number;
  runs: UiDeliveryRun[];
}

async function runOnStore(
  store: UiStore,
  messages: number,
  warmup: number,
  databaseUrl: string,
): Promise<UiDeliveryRun> {
  const outcome = await onThrowawayStore(store, databaseUrl, async (url) => {
    const server = await startServerProcess({
      script: BENCH_BUNDLES.ringpost,
      healthPath: '/api/health',
      env: {
        ...UNLIMITED_RATES,
        ...(url ? { DATABASE_URL: url } : {}),
        RINGPOST_STATIC_DIR: APP_DIR,
        RINGPOST_LOG: '0',
        RINGPOST_DECOY_POOL: '0',
      },
    });
    const browser = await chromium.launch({ executablePath: resolveChromium(), args: [...CHROMIUM_ARGS] });
    try {
      const sessions = { alice: apiSession(server.origin), bob: apiSession(server.origin) };
      const alice = await createBenchPerson(sessions.alice, 'alice', { termsAccepted: true });
      const bob = await createBenchPerson(sessions.bob, 'bob');
      await joinRings(sessions.alice, sessions.bob, bob.communityName, alice.fingerprint);

      const bobPage = await (await browser.newContext({ baseURL: server.origin })).newPage();
      await (await signInThroughUi(bobPage, bob)).getByRole('link', { name: 'History' }).waitFor();
      const alicePage = await (await browser.newContext({ baseURL: server.origin })).newPage();
      await (await signInThroughUi(alicePage, alice)).getByRole('link', { name: 'Messages' }).click();
      await alicePage.getByLabel('Recipient').selectOption(bob.communityName);

      const deliveredMs: number[] = [];
      for (let i = 0; i < warmup + messages; i++) {
        await alicePage.getByLabel('Message', { exact: true }).fill(`ui message ${i} ${'·'.repeat(120)}`);
        const ms: unknown = await alicePage.evaluate(`(${TIME_SEND_IN_PAGE})()`);
        if (typeof ms !== 'number') throw new Error('The page did not answer with a time.');
        if (i >= warmup) deliveredMs.push(ms);
      }
      return deliveredMs;
    } finally {
      await browser.close();
      await server.stop();
    }
  });
  return 'value' in outcome ? { store, deliveredMs: outcome.value } : { store, skipped: outcome.unreachable };
}

export async function runUiDeliveryBench({
  messages = 1_000,
  warmup = 10,
  stores = ['sqlite', 'postgres'],
  databaseUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL,
}: UiDeliveryOptions = {}): Promise<UiDeliveryReport> {
  await buildBenchApp();
  const runs: UiDeliveryRun[] = [];
  for (const store of stores) runs.push(await runOnStore(store, messages, warmup, databaseUrl));
  return { messages, runs };
}

export function uiDeliveryFigures(report: UiDeliveryReport): Figure[] {
  return report.runs.map((run): Figure => {
    const storeName = run.store === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const base = {
      part: 'browser',
      figure: `send → Delivered in the UI path (${storeName}), recipient online in another browser`,
      unit: 'ms',
      peer: { name: '—' } as const,
      ratio: null,
      target: 'p50 ≤ 20 ms, p99 ≤ 100 ms',
    };
    if ('skipped' in run) return { ...base, ringpost: { failed: run.skipped }, met: null };
    const delivered = spread(run.deliveredMs, true);
    return {
      ...base,
      ringpost: delivered,
      met: delivered.median <= 20 && (delivered.p99 ?? Infinity) <= 100,
      note:
        `${run.deliveredMs.length} messages typed into the compose form, click on Send until its status says ` +
        'Delivered: sealing in the worker, IndexedDB and the outbox, the server, the recipient’s page ' +
        'checking, storing and acknowledging, the status pushed back',
    };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const messages = Number(process.argv[2] ?? 1_000);
  runUiDeliveryBench({ messages })
    .then((report) =>
      console.table(
        uiDeliveryFigures(report).map(({ figure, ringpost, met }) => ({ figure, ...ringpost, met })),
      ),
    )
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
