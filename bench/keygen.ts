import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, resolveChromium } from '../e2e/support/chromium';
import type { Rolldown } from 'vite';
import type { BenchBits, BenchJob, BenchJobResult, BenchPath, SmokeResult } from './keygen/bench-protocol';
import { betterRatio, spread, type Figure, type PeerResult } from './report';
import { buildStaticPage, closeServer, serveStatic, writeReport } from './static-page';

// RSA key generation in a real module Web Worker in Chromium, per path and size: forge's callback form
// (native generator), forge's synchronous pure-JS form, the same in slices, and plain WebCrypto.
// Builds bench/keygen/ with Vite (as production builds the app), serves it on 127.0.0.1 with the
// production CSP, checks that forge stays out of the main chunk, and smoke-tests the app's real crypto
// worker through crypto-client.ts. `npx tsx bench/keygen.ts` prints a table and writes
// bench/results/keygen.json.

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = resolveChromium();

export interface KeygenBenchOptions {
  runs?: number;
  /** Activations through the app's real crypto client and worker, per size, after one warm-up. */
  appRuns?: number;
  warmup?: number;
  bits?: BenchBits[];
  paths?: BenchPath[];
  /** Where to write the JSON; null to skip writing. */
  output?: string | null;
  log?: (line: string) => void;
}

export interface KeygenRow {
  path: BenchPath;
  bits: BenchBits;
  runs: number;
  medianMs: number;
  p95Ms: number;
  p25Ms: number;
  p75Ms: number;
  minMs: number;
  maxMs: number;
  verified: boolean;
  error?: string;
}

export interface BundleCheck {
  mainChunks: { file: string; gzipBytes: number; hasForge: boolean }[];
  workerChunks: { file: string; gzipBytes: number; hasForge: boolean; hasZod: boolean }[];
  forgeOnlyInWorkers: boolean;
}

export interface KeygenBenchReport {
  date: string;
  browser: string;
  runs: number;
  warmup: number;
  rows: KeygenRow[];
  /** Per size, the fastest path whose every key verified. */
  fastest: Partial<Record<BenchBits, BenchPath>>;
  /** What the app's worker actually used (from the smoke test). */
  appPath: string[];
  smoke: SmokeResult[];
  /** Per size, the generate step of every measured activation in the app's worker. */
  appGenerateMs: Partial<Record<BenchBits, number[]>>;
  /** Main-thread long tasks over all activations in the app's worker. */
  appLongTasks: number;
  bundle: BundleCheck;
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

function summarize(result: BenchJobResult): KeygenRow {
  const sorted = [...result.timesMs].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    path: result.path,
    bits: result.bits,
    runs: sorted.length,
    medianMs: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    p25Ms: round(quantile(sorted, 0.25)),
    p75Ms: round(quantile(sorted, 0.75)),
    minMs: round(sorted[0] ?? Number.NaN),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    verified: result.verified,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}

// Property names forge assigns at load time survive minification.
const FORGE_MARKERS = ['stepKeyPairGenerationState', 'PRIMEINC'];
const hasForge = (code: string) => FORGE_MARKERS.some((marker) => code.includes(marker));
const hasZod = (code: string) => code.includes('ZodError');

function checkBundle(outputs: Rolldown.RolldownOutput[], files: Map<string, string>): BundleCheck {
  const entryFiles = new Set<string>();
  for (const output of outputs) {
    for (const item of output.output) {
      if (item.type === 'chunk' && item.isEntry) {
        entryFiles.add(item.fileName);
        for (const imported of item.imports) entryFiles.add(imported);
      }
    }
  }
  const mainChunks = [];
  const workerChunks = [];
  for (const [file, code] of files) {
    if (!file.endsWith('.js')) continue;
    const gzipBytes = gzipSync(code).length;
    if (entryFiles.has(file)) mainChunks.push({ file, gzipBytes, hasForge: hasForge(code) });
    else workerChunks.push({ file, gzipBytes, hasForge: hasForge(code), hasZod: hasZod(code) });
  }
  return {
    mainChunks,
    workerChunks,
    forgeOnlyInWorkers: mainChunks.every((chunk) => !chunk.hasForge) && workerChunks.some((c) => c.hasForge),
  };
}

async function buildPage(outDir: string): Promise<{ bundle: BundleCheck }> {
  const outputs = await buildStaticPage(join(here, 'keygen'), outDir);
  const files = new Map<string, string>();
  for (const output of outputs) {
    for (const item of output.output) {
      if (item.type === 'chunk') files.set(item.fileName, item.code);
      else if (typeof item.source === 'string') files.set(item.fileName, item.source);
      else files.set(item.fileName, new TextDecoder().decode(item.source));
    }
  }
  return { bundle: checkBundle(outputs, files) };
}

function isJobResult(value: unknown): value is BenchJobResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    'timesMs' in value &&
    Array.isArray(value.timesMs) &&
    'verified' in value &&
    typeof value.verified === 'boolean'
  );
}

function isSmokeResult(value: unknown): value is SmokeResult {
  return typeof value === 'object' && value !== null && 'ok' in value && 'activateMs' in value;
}

function table(rows: KeygenRow[]): string {
  const header = ['path', 'bits', 'runs', 'median ms', 'p25', 'p75', 'min', 'max', 'verified'];
  const lines = rows.map((row) =>
    [
      row.path,
      row.bits,
      row.runs,
      row.medianMs,
      row.p25Ms,
      row.p75Ms,
      row.minMs,
      row.maxMs,
      row.verified ? 'yes' : `NO ${row.error ?? ''}`,
    ].map(String),
  );
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => (line[i] ?? '').length)),
  );
  const format = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

export async function runKeygenBench(options: KeygenBenchOptions = {}): Promise<KeygenBenchReport> {
  const runs = options.runs ?? 15;
  const appRuns = options.appRuns ?? 15;
  const warmup = options.warmup ?? 2;
  const sizes = options.bits ?? [1024, 2048];
  // The pure-JS paths take seconds a key at 2048 bits and are not what the app runs: `paths` adds them.
  const paths = options.paths ?? (['forge-native', 'webcrypto'] satisfies BenchPath[]);
  const output = options.output === undefined ? join(here, 'results', 'keygen.json') : options.output;
  const log = options.log ?? ((line: string) => console.log(line));

  const outDir = await mkdtemp(join(tmpdir(), 'ringpost-bench-keygen-'));
  const { bundle } = await buildPage(outDir);
  const { server, url } = await serveStatic(outDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });

    const smoke: SmokeResult[] = [];
    const appGenerateMs: Partial<Record<BenchBits, number[]>> = {};
    const longTasksBefore = Number(await page.evaluate('globalThis.keygenBench.longTasks()'));
    for (const bits of sizes) {
      const times: number[] = [];
      for (let run = 0; run <= appRuns; run++) {
        const result: unknown = await page.evaluate(`globalThis.keygenBench.smoke(${bits})`);
        if (!isSmokeResult(result)) throw new Error(`unexpected smoke result ${JSON.stringify(result)}`);
        if (!result.ok)
          throw new Error(`The app's worker failed at ${bits} bits: ${result.error ?? 'no reason'}`);
        // The first is a warm-up: the worker's module and forge load then.
        if (run === 0) smoke.push(result);
        else times.push(result.generateMs);
      }
      appGenerateMs[bits] = times;
    }
    const appLongTasks = Number(await page.evaluate('globalThis.keygenBench.longTasks()')) - longTasksBefore;

    const rows: KeygenRow[] = [];
    for (const bits of sizes) {
      for (const path of paths) {
        const job: BenchJob = { path, bits, runs, warmup };
        const result: unknown = await page.evaluate(`globalThis.keygenBench.runJob(${JSON.stringify(job)})`);
        if (!isJobResult(result)) throw new Error(`unexpected bench result ${JSON.stringify(result)}`);
        const row = summarize(result);
        rows.push(row);
        log(`  ${path} ${bits}: median ${row.medianMs} ms${row.verified ? '' : ' (NOT VERIFIED)'}`);
      }
    }

    const fastest: Partial<Record<BenchBits, BenchPath>> = {};
    for (const bits of sizes) {
      const best = rows
        .filter((row) => row.bits === bits && row.verified && row.runs > 0)
        .sort((a, b) => a.medianMs - b.medianMs)[0];
      if (best) fastest[bits] = best.path;
    }

    const report: KeygenBenchReport = {
      date: new Date().toISOString(),
      browser: `Chromium ${browser.version()}`,
      runs,
      warmup,
      rows,
      fastest,
      appPath: smoke.map((s) => `${s.bits}: ${s.keygenPath}`),
      smoke,
      appGenerateMs,
      appLongTasks,
      bundle,
    };

    log('');
    log(
      `RSA key generation in a module Web Worker, ${report.browser}, median of ${runs} runs (+${warmup} warm-up)`,
    );
    log(table(rows));
    log('');
    for (const s of smoke) {
      log(
        `app worker ${s.bits}: ${s.ok ? 'ok' : `FAILED ${s.error ?? ''}`}, path ${s.keygenPath}, ` +
          `generate ${s.generateMs.toFixed(1)} ms, activate ${s.activateMs.toFixed(1)} ms, ` +
          `restore ${s.restoreMs.toFixed(1)} ms, longest main-thread gap ${s.maxMainThreadGapMs.toFixed(1)} ms, ` +
          `progress ${s.stages.join(' > ')}`,
      );
    }
    for (const chunk of bundle.mainChunks) {
      log(
        `main chunk ${chunk.file}: ${(chunk.gzipBytes / 1024).toFixed(1)} KB gzip, forge ${chunk.hasForge ? 'PRESENT' : 'absent'}`,
      );
    }
    for (const chunk of bundle.workerChunks) {
      log(
        `worker chunk ${chunk.file}: ${(chunk.gzipBytes / 1024).toFixed(1)} KB gzip, forge ${chunk.hasForge ? 'present' : 'absent'}` +
          `, zod ${chunk.hasZod ? 'present' : 'absent'}`,
      );
    }
    log(`forge only in worker chunks: ${bundle.forgeOnlyInWorkers ? 'yes' : 'NO'}`);

    await writeReport(output, report, log);
    return report;
  } finally {
    await browser.close();
    await closeServer(server);
    await rm(outDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runKeygenBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

export function keygenFigures(report: KeygenBenchReport): Figure[] {
  return ([1024, 2048] as const).flatMap((bits): Figure[] => {
    const samples = report.appGenerateMs[bits];
    if (!samples) return [];
    const ours = spread(samples);
    const native = report.rows.find((row) => row.path === 'webcrypto' && row.bits === bits);
    const name = 'native crypto.subtle.generateKey';
    const peer: PeerResult = native?.verified
      ? { name, value: { median: native.medianMs, p95: native.p95Ms } }
      : { name, skipped: native?.error ?? 'not measured' };
    const ratio = native?.verified ? betterRatio(ours.median, native.medianMs, false) : null;
    return [
      {
        part: 'browser',
        figure: `activation keygen in the app's real worker, ${bits} bits`,
        unit: 'ms',
        ringpost: ours,
        peer,
        ratio,
        target: '≤ 1.3× native; 0 main-thread long tasks',
        met: ratio === null ? null : 1 / ratio <= 1.3 && report.appLongTasks === 0,
        note:
          `${samples.length} activations (after one warm-up), path ${report.smoke.find((s) => s.bits === bits)?.keygenPath ?? '?'}; ` +
          `both sides include encoding the pair to SPKI and PKCS#8 DER; main-thread long tasks during all activations: ${report.appLongTasks}`,
      },
    ];
  });
}
