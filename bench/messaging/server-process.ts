import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { freePort } from '../../src/server/testing/free-port';

// The servers under measurement run as child processes: the load generator must not share their event
// loop, or its own work (sealing, parsing frames, opening sockets) would show up as server latency and
// server memory. They run as bundles on plain node, as `npm start` runs the real server, with no tsx
// loader in the process whose RSS is read.

/** Inside the project, so the bundles find their packages in node_modules as the production build does. */
const BUILD_DIR = resolve('node_modules/.tmp/bench-server');

export const BENCH_BUNDLES = {
  ringpost: join(BUILD_DIR, 'index.js'),
  honoSsePeer: join(BUILD_DIR, 'hono-sse-peer.js'),
  nodeSsePeer: join(BUILD_DIR, 'node-sse-peer.js'),
  gcProbe: join(BUILD_DIR, 'gc-probe.js'),
} as const;

let bundled: Promise<void> | null = null;

/**
 * Bundles the server from the current sources (the options of `npm run build:server`), the two SSE peers
 * and the GC probe; once per process. Always from source, so a stale dist-server never gets measured.
 */
export function bundleBenchServers(): Promise<void> {
  bundled ??= build({
    entryPoints: [
      { in: 'src/server/index.ts', out: 'index' },
      { in: 'bench/messaging/hono-sse-peer.ts', out: 'hono-sse-peer' },
      { in: 'bench/messaging/node-sse-peer.ts', out: 'node-sse-peer' },
      { in: 'bench/messaging/gc-probe.ts', out: 'gc-probe' },
    ],
    outdir: BUILD_DIR,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  }).then(() => undefined);
  return bundled;
}

export interface MemorySample {
  /** VmRSS from /proc/<pid>/status, in KB: what the kernel charges the process. */
  rssKb: number;
  /** V8's heapUsed after the collection, in KB. */
  heapUsedKb: number;
}

export interface ServerProcess {
  pid: number;
  port: number;
  origin: string;
  /** Runs two full collections in the child, then reads its RSS. */
  settledMemory(): Promise<MemorySample>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; removes the data directory. */
  stop(graceMs?: number): Promise<void>;
}

/** Every limit the bench would hit out of the way: this measures delivery, not the limiter. */
export { UNLIMITED_RATES } from '../../src/server/testing/unlimited-rates';

/** CPU time the process has used so far (user + system), from /proc/<pid>/stat, in ms. */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  // Linux reports in USER_HZ, which is 100 on every architecture Node supports.
  return ticks * 10;
}

export function readVmRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`No VmRSS in /proc/${pid}/status.`);
  return Number(match[1]);
}

function isMemoryReply(value: unknown): value is { rss: number; heapUsed: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'rss' in value &&
    typeof value.rss === 'number' &&
    'heapUsed' in value &&
    typeof value.heapUsed === 'number'
  );
}

/**
 * Starts `script` on plain node with `env` on top of a clean environment (no DATABASE_URL or other
 * setting leaks in from the shell), on a free loopback port, with a throwaway DATA_DIR, and waits until
 * `healthPath` answers 200.
 */
export async function startServerProcess(options: {
  script: string;
  healthPath: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  await bundleBenchServers();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-bench-'));
  // RINGPOST_BENCH_PROFILE=<dir>: a V8 CPU profile of each server, written there when it stops.
  const profileDir = process.env.RINGPOST_BENCH_PROFILE;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [];
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...profile, '--import', pathToFileURL(BENCH_BUNDLES.gcProbe).href, options.script],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        ...options.env,
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const origin = `http://127.0.0.1:${port}`;

  const stop = async (graceMs = 15_000) => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (hasExited) {
      await stop();
      throw new Error(`${options.script} exited before it answered:\n${stderr}`);
    }
    const healthy = await fetch(`${origin}${options.healthPath}`).then(
      async (response) => {
        await response.arrayBuffer();
        return response.ok;
      },
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.script} did not answer ${options.healthPath} within 30 s:\n${stderr}`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }

  const pid = child.pid;
  if (pid === undefined) throw new Error('The server process has no pid.');
  return {
    pid,
    port,
    origin,
    settledMemory: () =>
      new Promise<MemorySample>((done, fail) => {
        const timer = setTimeout(() => fail(new Error('The GC probe did not answer.')), 10_000);
        const onMessage = (message: unknown) => {
          if (!isMemoryReply(message)) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          done({ rssKb: readVmRssKb(pid), heapUsedKb: message.heapUsed / 1024 });
        };
        child.on('message', onMessage);
        child.send('gc');
      }),
    stop,
  };
}
