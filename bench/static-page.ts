import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { build, type Rolldown } from 'vite';

// How the browser benches load their pages: built with Vite (as production builds the app, workers
// included) and served from 127.0.0.1, a secure context for WebCrypto, with the production CSP.

// As the production server will send it: no inline script, workers only from our origin.
const CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Builds the page whose index.html is in `root` into `outDir`; returns Rolldown's outputs. */
export async function buildStaticPage(root: string, outDir: string): Promise<Rolldown.RolldownOutput[]> {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false },
    worker: { format: 'es' },
  });
  return (Array.isArray(result) ? result : [result]).filter(
    (output): output is Rolldown.RolldownOutput => 'output' in output,
  );
}

export interface ServeOptions {
  /**
   * Cross-origin isolation (COOP and COEP), which the app does not need: it only lifts Chromium's
   * performance.now() from 100 µs steps to 5 µs, for benches that time sub-millisecond work.
   */
  isolated?: boolean;
}

/** Serves the files under `root` on a free port of 127.0.0.1. */
export function serveStatic(
  root: string,
  options: ServeOptions = {},
): Promise<{ server: Server; url: string }> {
  const isolation = options.isolated
    ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
    : {};
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': CSP,
          'Cache-Control': 'no-store',
          ...isolation,
        });
        response.end(body);
      },
      () => response.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Writes a bench's report as JSON (null skips it), saying where. */
export async function writeReport(output: string | null, report: unknown, log: (line: string) => void) {
  if (output === null) return;
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${output}`);
}
