import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Rolldown } from 'vite';
import { textTable, type Figure } from './report';

// The production build as a first visit loads it: the JS and CSS index.html asks for, and what those
// import statically (not what they load later with import()), gzipped as a server would send them. Also
// the crypto worker's chunk, each lazy chunk, what each package costs, and where node-forge is: anywhere
// but the worker fails the bench.

export const INITIAL_TARGET_KB = 120;

export interface ChunkSize {
  file: string;
  gzipBytes: number;
  /** What a browser that accepts Brotli (all current ones) is sent instead. */
  brotliBytes: number;
}

export interface BundleReport {
  initial: { files: ChunkSize[]; gzipBytes: number; brotliBytes: number };
  worker: ChunkSize[];
  lazy: ChunkSize[];
  /** Rendered (minified, before gzip) bytes per package across the initial chunks, largest first. */
  initialPackages: { name: string; bytes: number }[];
  /** Chunks other than the worker's that hold node-forge: must be empty. */
  forgeOutsideWorker: string[];
}

function packageOf(moduleId: string): string {
  const inModules = moduleId.split('node_modules/').at(-1);
  if (inModules === undefined || inModules === moduleId) return 'ringpost (src)';
  const parts = inModules.split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? moduleId);
}

const isForge = (chunk: Rolldown.OutputChunk) =>
  Object.keys(chunk.modules).some((id) => id.includes('node_modules/node-forge/'));

export async function runBundleBench(): Promise<BundleReport> {
  const outDir = await mkdtemp(join(tmpdir(), 'ringpost-bench-bundle-'));
  try {
    const result = await build({
      configFile: resolve('vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    const outputs = (Array.isArray(result) ? result : [result]).filter(
      (output): output is Rolldown.RolldownOutput => 'output' in output,
    );
    const chunks = new Map<string, Rolldown.OutputChunk>();
    for (const output of outputs) {
      for (const item of output.output) if (item.type === 'chunk') chunks.set(item.fileName, item);
    }

    // What index.html names, then everything those import statically, with the CSS they bring.
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    const named = [...html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((match) => match[1] ?? '');
    const initial = new Set<string>();
    const visit = (file: string) => {
      if (initial.has(file)) return;
      initial.add(file);
      const chunk = chunks.get(file);
      if (!chunk) return;
      for (const imported of chunk.imports) visit(imported);
      for (const css of chunk.viteMetadata?.importedCss ?? []) visit(css);
    };
    for (const file of named) visit(file);

    // The .gz the build wrote beside each asset is what the server sends (scripts/precompress.ts); a file
    // too small to be worth it goes out as it is.
    const sizeOf = async (file: string): Promise<ChunkSize> => {
      const served = await readFile(join(outDir, `${file}.gz`)).catch(() => readFile(join(outDir, file)));
      const brotli = await readFile(join(outDir, `${file}.br`)).catch(() => served);
      return { file, gzipBytes: served.length, brotliBytes: brotli.length };
    };
    const initialFiles = await Promise.all([...initial].map(sizeOf));

    // Worker chunks are emitted as assets of the main build: they are the .js files no chunk describes.
    const emitted = outputs.flatMap((output) => output.output);
    const workerFiles = emitted
      .filter((item) => item.type === 'asset' && item.fileName.endsWith('.js'))
      .map((item) => item.fileName);
    const worker = await Promise.all(workerFiles.map(sizeOf));
    const lazy = await Promise.all([...chunks.keys()].filter((file) => !initial.has(file)).map(sizeOf));

    const packages = new Map<string, number>();
    for (const file of initial) {
      const chunk = chunks.get(file);
      if (!chunk) continue;
      for (const [id, info] of Object.entries(chunk.modules)) {
        packages.set(packageOf(id), (packages.get(packageOf(id)) ?? 0) + info.renderedLength);
      }
    }

    // A worker bundled as an asset has no module list: its text is searched for forge's marker instead.
    const forgeOutsideWorker = [...chunks.values()].filter(isForge).map((chunk) => chunk.fileName);
    for (const item of emitted) {
      if (item.type === 'asset' && item.fileName.endsWith('.css') && String(item.source).includes('forge')) {
        forgeOutsideWorker.push(item.fileName);
      }
    }
    const workerHasForge = await Promise.all(
      workerFiles.map(async (file) => (await readFile(join(outDir, file), 'utf8')).includes('PRIMEINC')),
    );
    if (!workerHasForge.some(Boolean)) forgeOutsideWorker.push('(no worker chunk holds node-forge)');

    return {
      initial: {
        files: initialFiles,
        gzipBytes: initialFiles.reduce((sum, f) => sum + f.gzipBytes, 0),
        brotliBytes: initialFiles.reduce((sum, f) => sum + f.brotliBytes, 0),
      },
      worker,
      lazy,
      initialPackages: [...packages.entries()]
        .map(([name, bytes]) => ({ name, bytes }))
        .sort((a, b) => b.bytes - a.bytes),
      forgeOutsideWorker,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => bytes / 1024;

export function bundleFigures(report: BundleReport): Figure[] {
  const initialKb = kb(report.initial.gzipBytes);
  const top = report.initialPackages
    .slice(0, 6)
    .map((entry) => `${entry.name} ${kb(entry.bytes).toFixed(0)} KiB`)
    .join(', ');
  const forgeOnlyInWorker = report.forgeOutsideWorker.length === 0;
  return [
    {
      part: 'bundle',
      figure: 'initial JS and CSS, gzip',
      unit: 'KiB',
      ringpost: { median: initialKb, p95: null },
      peer: { name: '—' },
      ratio: null,
      target: `≤ ${INITIAL_TARGET_KB} KiB`,
      met: initialKb <= INITIAL_TARGET_KB,
      note:
        `${report.initial.files.map((f) => f.file).join(', ')}, as the server sends them (gzip -9; ` +
        `${kb(report.initial.brotliBytes).toFixed(1)} KiB with Brotli); largest before compression: ${top}`,
    },
    {
      part: 'bundle',
      figure: 'crypto worker chunk, gzip',
      unit: 'KiB',
      ringpost: { median: kb(report.worker.reduce((sum, f) => sum + f.gzipBytes, 0)), p95: null },
      peer: { name: '—' },
      ratio: null,
      target: 'node-forge only here',
      met: forgeOnlyInWorker,
      note: forgeOnlyInWorker
        ? `loaded when keys are first used; lazy chunks: ${report.lazy.map((f) => `${f.file} ${kb(f.gzipBytes).toFixed(1)} KiB`).join(', ') || 'none'}`
        : `node-forge outside the worker: ${report.forgeOutsideWorker.join(', ')}`,
    },
  ];
}

/** Throws when node-forge is anywhere but the worker: the one check that fails `npm run bench`. */
export function assertForgeOnlyInWorker(report: BundleReport): void {
  if (report.forgeOutsideWorker.length > 0) {
    throw new Error(
      `node-forge is outside the crypto worker's chunk: ${report.forgeOutsideWorker.join(', ')}.`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runBundleBench()
    .then((report) => {
      console.log(textTable(bundleFigures(report)));
      console.log('Initial chunks by package (before gzip):');
      for (const entry of report.initialPackages)
        console.log(`  ${entry.name}: ${kb(entry.bytes).toFixed(1)} KiB`);
      assertForgeOnlyInWorker(report);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
