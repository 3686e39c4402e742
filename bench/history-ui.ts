import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright';
import { CHROMIUM_ARGS, resolveChromium } from '../e2e/support/chromium';
import { webCryptoEnv } from '../src/shared/crypto/crypto-env';
import { fromBase64Url } from '../src/shared/crypto/encoding';
import { sealEnvelope } from '../src/shared/crypto/envelope-v1';
import { importRsaPrivateKeys, importRsaPublicKeys } from '../src/shared/crypto/webcrypto-keys';
import {
  apiSession,
  createBenchPerson,
  expectStatus,
  joinRings,
  type ApiSession,
  type BenchPerson,
} from '../src/server/testing/http-session';
import { startServerProcess, BENCH_BUNDLES, UNLIMITED_RATES } from './messaging/server-process';
import type { Figure } from './report';

// History in the real UI (issue 9): a browser holding 2,000 received messages opens History, and a
// conversation of 200 is revealed with Show all, every one opened in the crypto worker. The messages are
// real envelopes, sealed in Node with the senders' keys, stored and acknowledged through the API; the
// browser signs in through the UI and gets them from its History sync, as a second browser would.

export const APP_DIR = resolve('node_modules/.tmp/bench-history-app');

let built: Promise<void> | null = null;

/** The SPA as production serves it, built once per bench process into APP_DIR. */
export function buildBenchApp(): Promise<void> {
  built ??= promisify(execFile)('npx', [
    'vite',
    'build',
    '--logLevel',
    'warn',
    '--emptyOutDir',
    '--outDir',
    APP_DIR,
  ]).then(() => undefined);
  return built;
}

/** Signs `person` in through the sign-in form, as a person would. */
export async function signInThroughUi(page: Page, person: { accountName: string; password: string }) {
  await page.goto('/sign-in');
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Account name', { exact: true }).fill(person.accountName);
  await form.getByLabel('Password', { exact: true }).fill(person.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  return page.getByRole('navigation', { name: 'Main' });
}

export interface HistoryUiOptions {
  messages?: number;
  shown?: number;
  runs?: number;
}

export interface HistoryUiReport {
  messages: number;
  shown: number;
  runs: number;
  /** Sign-in until the browser held all messages (its History sync), once. */
  syncMs: number;
  /** Click on the History tab until its first row is drawn. */
  openHistoryMs: { median: number; max: number };
  /** Click on Show all until every message of the conversation shows its text. */
  showAllMs: { median: number; max: number };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function sealAndDeliver(
  from: { session: ApiSession; person: BenchPerson },
  to: { session: ApiSession; person: BenchPerson },
  count: number,
): Promise<void> {
  const env = webCryptoEnv(crypto);
  const { signKey } = await importRsaPrivateKeys(env, from.person.pkcs8);
  const senderKeys = await importRsaPublicKeys(env, fromBase64Url(from.person.publicKey));
  const recipientKeys = await importRsaPublicKeys(env, fromBase64Url(to.person.publicKey));
  const batch = 16;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, offset) => {
        const envelope = await sealEnvelope(env, {
          from: from.person.communityName,
          to: to.person.communityName,
          ts: Date.now(),
          text: `message ${start + offset + 1} of ${count} from ${from.person.communityName}`,
          senderSignKey: signKey,
          senderPublicKey: senderKeys.encryptKey,
          recipientPublicKey: recipientKeys.encryptKey,
          senderFingerprint: from.person.fingerprint,
          recipientFingerprint: to.person.fingerprint,
        });
        await expectStatus(await from.session.post('/api/messages', { envelope }), 202, 'Sending');
        // Acknowledged as the recipient's other browser would: delivered, and so in its History.
        await expectStatus(
          await to.session.post(`/api/messages/${envelope.from}/${envelope.id}/ack`),
          204,
          'Acknowledging',
        );
      }),
    );
  }
}

/**
 * In the page (as source, since this file is compiled without the DOM's types): clicks the first element
 * matching `click` whose text starts with `text`, then resolves with the milliseconds until `until` matches
 * at least `count` elements, checked every animation frame.
 */
const TIME_IN_PAGE = `async ({ click, text, until, count }) => {
  const started = performance.now();
  [...document.querySelectorAll(click)].find((element) => element.textContent.startsWith(text)).click();
  for (;;) {
    if (document.querySelectorAll(until).length >= count) return performance.now() - started;
    if (performance.now() - started > 60000) throw new Error('Never happened: ' + until);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}`;

/**
 * In the page: clicks Send and resolves with the milliseconds until a status that was not Delivered
 * before the click says Delivered, watched with a MutationObserver (an animation frame is 16 ms, too
 * coarse for a 20 ms target).
 */
export const TIME_SEND_IN_PAGE = `async () => {
  const before = new Set(document.querySelectorAll('.status-delivered'));
  const button = [...document.querySelectorAll('form.compose button')].find((b) => b.textContent.trim() === 'Send');
  return await new Promise((resolve, reject) => {
    const started = performance.now();
    const timer = setTimeout(() => { observer.disconnect(); reject(new Error('Never Delivered')); }, 30000);
    const check = () => {
      for (const element of document.querySelectorAll('.status-delivered')) {
        if (!before.has(element)) {
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.now() - started);
          return;
        }
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    button.click();
  });
}`;

async function timeInPage(
  page: Page,
  step: { click: string; text: string; until: string; count: number },
): Promise<number> {
  const ms: unknown = await page.evaluate(`(${TIME_IN_PAGE})(${JSON.stringify(step)})`);
  if (typeof ms !== 'number') throw new Error('The page did not answer with a time.');
  return ms;
}

export async function runHistoryUiBench({
  messages = 2_000,
  shown = 200,
  runs = 5,
}: HistoryUiOptions = {}): Promise<HistoryUiReport> {
  await buildBenchApp();
  const server = await startServerProcess({
    script: BENCH_BUNDLES.ringpost,
    healthPath: '/api/health',
    env: { ...UNLIMITED_RATES, RINGPOST_STATIC_DIR: APP_DIR, RINGPOST_LOG: '0', RINGPOST_DECOY_POOL: '0' },
  });
  const browser = await chromium.launch({ executablePath: resolveChromium(), args: [...CHROMIUM_ARGS] });
  try {
    const sessions = {
      alice: apiSession(server.origin),
      carol: apiSession(server.origin),
      bob: apiSession(server.origin),
    };
    const alice = await createBenchPerson(sessions.alice, 'alice', { termsAccepted: true });
    const carol = await createBenchPerson(sessions.carol, 'carol', { termsAccepted: true });
    const bob = await createBenchPerson(sessions.bob, 'bob');
    await joinRings(sessions.alice, sessions.bob, bob.communityName, alice.fingerprint);
    await joinRings(sessions.carol, sessions.bob, bob.communityName, carol.fingerprint);
    // carol's first, so alice's are the newest and her conversation is one click from History's top.
    await sealAndDeliver(
      { session: sessions.carol, person: carol },
      { session: sessions.bob, person: bob },
      messages - shown,
    );
    await sealAndDeliver(
      { session: sessions.alice, person: alice },
      { session: sessions.bob, person: bob },
      shown,
    );

    const page = await (await browser.newContext({ baseURL: server.origin })).newPage();
    const signedIn = Date.now();
    const nav = await signInThroughUi(page, bob);
    await nav.getByRole('link', { name: `History ${messages} unread` }).waitFor({ timeout: 120_000 });
    const syncMs = Date.now() - signedIn;

    const historyTimes: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      await nav.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
      historyTimes.push(
        await timeInPage(page, { click: 'nav a', text: 'History', until: 'ul.history > li', count: 1 }),
      );
    }

    await page.getByRole('link', { name: alice.communityName, exact: true }).first().click();
    await page.getByRole('heading', { name: `Conversation with ${alice.communityName}` }).waitFor();
    const showTimes: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      await page.getByRole('button', { name: 'Show all' }).waitFor();
      showTimes.push(
        await timeInPage(page, {
          click: 'button',
          text: 'Show all',
          until: '.conversation .message-text',
          count: shown,
        }),
      );
      await page.getByRole('button', { name: 'Hide all' }).click();
    }
    return {
      messages,
      shown,
      runs,
      syncMs,
      openHistoryMs: { median: median(historyTimes), max: Math.max(...historyTimes) },
      showAllMs: { median: median(showTimes), max: Math.max(...showTimes) },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

export function formatHistoryUi(report: HistoryUiReport) {
  return [
    { step: `sign-in → ${report.messages} messages synced`, ms: report.syncMs.toFixed(0) },
    {
      step: `open History (${report.messages} messages), median of ${report.runs}`,
      ms: report.openHistoryMs.median.toFixed(0),
    },
    { step: 'open History, slowest', ms: report.openHistoryMs.max.toFixed(0) },
    {
      step: `Show all on ${report.shown} (opened in the worker), median of ${report.runs}`,
      ms: report.showAllMs.median.toFixed(0),
    },
    { step: 'Show all, slowest', ms: report.showAllMs.max.toFixed(0) },
  ];
}

export function historyUiFigures(report: HistoryUiReport): Figure[] {
  return [
    {
      part: 'browser',
      figure: `open History with ${report.messages.toLocaleString('en')} stored messages, real UI`,
      unit: 'ms',
      ringpost: { median: report.openHistoryMs.median, p95: report.openHistoryMs.max },
      peer: { name: '—' },
      ratio: null,
      target: '≤ 1 s',
      met: report.openHistoryMs.max <= 1_000,
      note: `click on History until its first row is drawn, ${report.runs} runs (p95 column: the slowest)`,
    },
    {
      part: 'browser',
      figure: `Show all on ${report.shown} messages, real UI`,
      unit: 'ms',
      ringpost: { median: report.showAllMs.median, p95: report.showAllMs.max },
      peer: { name: '—' },
      ratio: null,
      target: '≤ 1 s',
      met: report.showAllMs.max <= 1_000,
      note: `every one opened in the crypto worker, ${report.runs} runs (p95 column: the slowest)`,
    },
  ];
}
