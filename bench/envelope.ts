import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, resolveChromium } from '../e2e/support/chromium';
import {
  ENVELOPE_BENCH_BITS,
  ENVELOPE_PRIMITIVES,
  type EnvelopePrimitive,
  OPENPGP_PEERS,
  type OpenPgpPeer,
  type EnvelopeBenchBits,
  type EnvelopeJob,
  type EnvelopePageResult,
  type LongTaskSummary,
} from './envelope/envelope-protocol';
import { betterRatio, type Figure } from './report';
import { buildStaticPage, closeServer, serveStatic, writeReport } from './static-page';

// Envelope v1 seal (encrypt + sign) and open (verify + decrypt) in a real module Web Worker in Chromium,
// per key size, on non-extractable WebCrypto keys as the app's crypto worker holds them, with a text at
// the 160-character limit. The main thread's long tasks are counted meanwhile: there should be none.
// Builds bench/envelope/ with Vite and serves it on 127.0.0.1 like bench/keygen.ts, cross-origin isolated
// so the worker's clock resolves the sub-millisecond operations. `npx tsx bench/envelope.ts` prints a
// table and writes bench/results/envelope.json.

const here = dirname(fileURLToPath(import.meta.url));

export interface EnvelopeBenchOptions {
  /** Measured runs per key size; each run seals one envelope and opens it. */
  runs?: number;
  /** Measured runs per OpenPGP.js peer (RSA-2048 signing is slow: tens of ms a message). */
  peerRuns?: number;
  warmup?: number;
  /** Every job runs this many times in turn, its runs split between them (5). */
  rounds?: number;
  bits?: EnvelopeBenchBits[];
  /** Where to write the JSON; null to skip writing. */
  output?: string | null;
  log?: (line: string) => void;
}

export type EnvelopeOperation = 'seal' | 'open';

export interface EnvelopeRow {
  operation: EnvelopeOperation;
  bits: EnvelopeBenchBits;
  /** Absent for envelope v1; else the OpenPGP.js peer this row measured. */
  peer?: OpenPgpPeer;
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  /** Every envelope of this size opened to the text sealed, on non-extractable private keys. */
  verified: boolean;
  error?: string;
}

export interface EnvelopeBenchReport {
  date: string;
  browser: string;
  runs: number;
  warmup: number;
  text: { characters: number; utf8Bytes: number };
  /** False would mean timings in 100 µs steps. */
  crossOriginIsolated: boolean;
  rows: EnvelopeRow[];
  /** Main-thread long tasks over all sizes' runs (warm-up and key setup included). */
  longTasks: LongTaskSummary;
  /** Per key size: the median of each WebCrypto call alone (see EnvelopePrimitive). */
  primitives: Partial<Record<EnvelopeBenchBits, Record<EnvelopePrimitive, number>>>;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = (sorted.length - 1) * q;
  const low = Math.floor(index);
  const high = Math.ceil(index);
  const a = sorted[low] ?? Number.NaN;
  const b = sorted[high] ?? Number.NaN;
  return a + (b - a) * (index - low);
}

function summarize(
  operation: EnvelopeOperation,
  bits: EnvelopeBenchBits,
  timesMs: number[],
  verified: boolean,
  error: string | undefined,
  peer?: OpenPgpPeer,
): EnvelopeRow {
  const sorted = [...timesMs].sort((a, b) => a - b);
  // Three decimals: the operations take fractions of a millisecond and the clock resolves 5 µs.
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    operation,
    bits,
    ...(peer === undefined ? {} : { peer }),
    runs: sorted.length,
    medianMs: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    minMs: round(sorted[0] ?? Number.NaN),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    verified,
    ...(error === undefined ? {} : { error }),
  };
}

function isPageResult(value: unknown): value is EnvelopePageResult {
  if (typeof value !== 'object' || value === null) return false;
  if (!('result' in value) || !('longTasks' in value)) return false;
  const { result, longTasks } = value;
  return (
    typeof result === 'object' &&
    result !== null &&
    'sealMs' in result &&
    Array.isArray(result.sealMs) &&
    'openMs' in result &&
    Array.isArray(result.openMs) &&
    'verified' in result &&
    typeof result.verified === 'boolean' &&
    typeof longTasks === 'object' &&
    longTasks !== null &&
    'count' in longTasks &&
    typeof longTasks.count === 'number'
  );
}

/** One row per operation and key size, for console.table. */
export function formatEnvelopeBench(report: EnvelopeBenchReport): Record<string, string | number>[] {
  return report.rows.map((row) => ({
    implementation: row.peer ?? 'envelope v1',
    operation: row.operation === 'seal' ? 'seal (encrypt+sign)' : 'open (verify+decrypt)',
    bits: row.bits,
    runs: row.runs,
    medianMs: row.medianMs.toFixed(3),
    p95Ms: row.p95Ms.toFixed(3),
    verified: row.verified ? 'yes' : `NO ${row.error ?? ''}`.trim(),
    mainThreadLongTasks: report.longTasks.count,
  }));
}

export async function runEnvelopeBench(options: EnvelopeBenchOptions = {}): Promise<EnvelopeBenchReport> {
  const runs = options.runs ?? 200;
  const peerRuns = options.peerRuns ?? 60;
  const warmup = options.warmup ?? 20;
  const sizes = options.bits ?? [...ENVELOPE_BENCH_BITS];
  const output = options.output === undefined ? join(here, 'results', 'envelope.json') : options.output;
  const log = options.log ?? ((line: string) => console.log(line));

  const outDir = await mkdtemp(join(tmpdir(), 'ringpost-bench-envelope-'));
  await buildStaticPage(join(here, 'envelope'), outDir);
  const { server, url } = await serveStatic(outDir, { isolated: true });
  const browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });

    const rows: EnvelopeRow[] = [];
    const longTasks: LongTaskSummary = { count: 0, totalMs: 0, longestMs: 0 };
    let text = { characters: 0, utf8Bytes: 0 };
    let crossOriginIsolated = true;
    const primitives: EnvelopeBenchReport['primitives'] = {};
    // In rounds, each round running every job in turn: this machine's speed drifts over a minute, and a
    // drift must not land on one side of a ratio. Each round makes its own keys, outside the timing.
    const rounds = Math.max(1, Math.min(options.rounds ?? 5, runs, peerRuns));
    const jobs: EnvelopeJob[] = [
      ...sizes.map((bits) => ({ bits, runs: Math.ceil(runs / rounds), warmup })),
      ...OPENPGP_PEERS.map((peer) => ({
        bits: 1024 as const,
        runs: Math.ceil(peerRuns / rounds),
        warmup: 5,
        peer,
      })),
    ];
    const pooled = jobs.map(() => ({
      sealMs: [] as number[],
      openMs: [] as number[],
      primitivesMs: Object.fromEntries(ENVELOPE_PRIMITIVES.map((name) => [name, [] as number[]])) as Record<
        EnvelopePrimitive,
        number[]
      >,
      verified: true,
      error: undefined as string | undefined,
    }));
    for (let round = 0; round < rounds; round++) {
      for (const [index, job] of jobs.entries()) {
        const value: unknown = await page.evaluate(`globalThis.envelopeBench.runJob(${JSON.stringify(job)})`);
        if (!isPageResult(value)) throw new Error(`unexpected bench result ${JSON.stringify(value)}`);
        const { result } = value;
        const into = pooled[index];
        if (!into) continue;
        into.sealMs.push(...result.sealMs);
        into.openMs.push(...result.openMs);
        for (const name of ENVELOPE_PRIMITIVES)
          into.primitivesMs[name].push(...(result.primitivesMs?.[name] ?? []));
        into.verified = into.verified && result.verified;
        into.error ??= result.error;
        longTasks.count += value.longTasks.count;
        longTasks.totalMs += value.longTasks.totalMs;
        longTasks.longestMs = Math.max(longTasks.longestMs, value.longTasks.longestMs);
        text = { characters: result.textCharacters, utf8Bytes: result.textBytes };
        crossOriginIsolated = crossOriginIsolated && result.crossOriginIsolated;
      }
    }
    for (const [index, job] of jobs.entries()) {
      const { bits } = job;
      const result = pooled[index];
      if (!result) continue;
      rows.push(summarize('seal', bits, result.sealMs, result.verified, result.error, job.peer));
      rows.push(summarize('open', bits, result.openMs, result.verified, result.error, job.peer));
      if (!job.peer) {
        const medians = Object.fromEntries(
          ENVELOPE_PRIMITIVES.map((name) => [
            name,
            summarize('seal', bits, result.primitivesMs[name], true, undefined).medianMs,
          ]),
        ) as Record<EnvelopePrimitive, number>;
        primitives[bits] = medians;
        log(
          `  floor ${bits}: ${ENVELOPE_PRIMITIVES.map((name) => `${name} ${medians[name]} ms`).join(', ')} (each call alone)`,
        );
      }
      for (const row of rows.slice(-2)) {
        log(
          `  ${row.peer ?? 'envelope v1'} ${row.operation} ${bits}: median ${row.medianMs} ms${row.verified ? '' : ' (NOT VERIFIED)'}`,
        );
      }
    }

    const report: EnvelopeBenchReport = {
      date: new Date().toISOString(),
      browser: `Chromium ${browser.version()}`,
      runs,
      warmup,
      text,
      crossOriginIsolated,
      rows,
      longTasks,
      primitives,
    };
    await writeReport(output, report, log);
    return report;
  } finally {
    await browser.close();
    await closeServer(server);
    await rm(outDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEnvelopeBench()
    .then((report) => {
      console.log(
        `Envelope v1 in a module Web Worker, ${report.browser}, ${report.runs} runs (+${report.warmup} warm-up), ` +
          `${report.text.characters} characters (${report.text.utf8Bytes} UTF-8 bytes)`,
      );
      console.table(formatEnvelopeBench(report));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}

const PEER_TARGETS: Record<OpenPgpPeer, { name: string; atLeast: number }> = {
  'openpgp-curve25519': { name: 'OpenPGP.js 6, curve25519', atLeast: 4 },
  'openpgp-rsa2048': { name: 'OpenPGP.js 6, RSA-2048', atLeast: 10 },
};

/**
 * What the operation cannot go below with these keys: its one RSA private-key call, plus the calls that
 * must follow it (seal: the AES key import, then encryption and both wraps side by side, then the
 * signature; open: the signature check, then the unwrap, then GCM), each at least one WebCrypto hop.
 */
function floorNote(
  operation: EnvelopeOperation,
  floor: Record<EnvelopePrimitive, number> | undefined,
): string {
  if (!floor) return '';
  return operation === 'seal'
    ? `; floor: RSA-PSS sign alone ${floor.sign} ms + 2 more WebCrypto calls in sequence (${floor.hop} ms each at the least)`
    : `; floor: RSA-PSS verify ${floor.verify} ms + RSA-OAEP unwrap ${floor.unwrap} ms + AES-GCM (a call is ${floor.hop} ms at the least)`;
}

/** Envelope v1 at the app's key size (1,024 bits) against each OpenPGP.js peer, per operation. */
export function envelopeFigures(report: EnvelopeBenchReport): Figure[] {
  return (['seal', 'open'] as const).flatMap((operation) =>
    OPENPGP_PEERS.map((peer): Figure => {
      const ours = report.rows.find((row) => row.operation === operation && row.bits === 1024 && !row.peer);
      const theirs = report.rows.find((row) => row.operation === operation && row.peer === peer);
      const { name, atLeast } = PEER_TARGETS[peer];
      const ratio =
        ours?.verified && theirs?.verified ? betterRatio(ours.medianMs, theirs.medianMs, false) : null;
      return {
        part: 'browser',
        figure: `envelope ${operation === 'seal' ? 'seal (encrypt+sign)' : 'open (verify+decrypt)'}, ${report.text.characters} characters, in a worker`,
        unit: 'ms',
        ringpost: ours?.verified
          ? { median: ours.medianMs, p95: ours.p95Ms }
          : { failed: ours?.error ?? 'not verified' },
        peer: theirs?.verified
          ? { name, value: { median: theirs.medianMs, p95: theirs.p95Ms } }
          : { name, skipped: theirs?.error ?? 'not verified' },
        ratio,
        target: `≥ ${atLeast}× faster than ${name.replace('OpenPGP.js 6, ', '')}`,
        met: ratio === null ? null : ratio >= atLeast,
        note:
          `envelope v1 on the app's 1,024-bit keys (non-extractable WebCrypto), ${ours?.runs ?? 0} runs; ` +
          `peer ${theirs?.runs ?? 0} runs, binary messages, signature required; main-thread long tasks: ${report.longTasks.count}` +
          floorNote(operation, report.primitives[1024]),
      };
    }),
  );
}
