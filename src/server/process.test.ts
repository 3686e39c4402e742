import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './testing/free-port';
import { signUpBody } from './testing/test-app';

// The production server as a process: compiled, started with plain node (and through `npm start`), and
// stopped by a signal with a push stream open. Nothing here reaches into the process; it only watches.

const ROOT = join(import.meta.dirname, '../..');

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function waitForHealth(port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (Date.now() < giveUp) {
    if (child.exitCode !== null)
      throw new Error(`The server exited with ${child.exitCode} before answering.`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('The server did not answer in time.');
}

/** Every process below `pid`, children first. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=']).toString().trim().split('\n');
  const children = (parent: number) =>
    table
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([, ppid]) => ppid === parent)
      .map(([child]) => child ?? 0);
  return children(pid).flatMap((child) => [child, ...descendants(child)]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function refusesConnections(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/api/health`);
    return false;
  } catch {
    return true;
  }
}

/** Signs up and opens the event stream; resolves once the first bytes arrived, with a promise of its end. */
async function openPushStream(port: number) {
  const created = await fetch(`http://127.0.0.1:${port}/api/accounts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Ringpost-Request': '1' },
    body: JSON.stringify(signUpBody(`proc-${process.pid}-${Date.now()}`)),
  });
  expect(created.status).toBe(201);
  const cookie = created.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  return new Promise<{ ended: Promise<string> }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/api/events', headers: { Cookie: cookie } }, (response) => {
        let text = '';
        const ended = new Promise<string>((done) => {
          response.on('end', () => done(text));
          response.on('error', () => done(text));
        });
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          resolve({ ended });
        });
      })
      .on('error', reject);
  });
}

describe('the compiled server process', () => {
  let buildDir: string;
  let dataDir: string;

  beforeAll(() => {
    mkdirSync(join(ROOT, 'node_modules/.tmp'), { recursive: true });
    // Inside the project, so the bundle finds its packages in node_modules as the real one does.
    buildDir = mkdtempSync(join(ROOT, 'node_modules/.tmp/process-test-'));
    dataDir = mkdtempSync(join(tmpdir(), 'ringpost-process-'));
    execFileSync('npm', ['run', 'build:server', '--silent', '--', `--outfile=${buildDir}/index.js`], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  });
  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits promptly on %s with a push stream open, ending the stream first',
    async (signal) => {
      const port = await freePort();
      const child = spawn(process.execPath, [join(buildDir, 'index.js')], {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          RINGPOST_STATIC_DIR: '',
          RINGPOST_LOG: '0',
        },
        stdio: 'ignore',
      });
      await waitForHealth(port, child);
      const stream = await openPushStream(port);

      const started = performance.now();
      child.kill(signal);
      const exit = await waitForExit(child);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(exit).toEqual({ code: 0, signal: null });
      expect((await stream.ended).endsWith('retry: 1000\n\n')).toBe(true);
      expect(await refusesConnections(port)).toBe(true);
    },
  );
});

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'builds, serves with plain node, and stops fully when %s is sent to the npm process',
    async (signal) => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-npm-start-'));
      const npm = spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, RINGPOST_LOG: '0' },
        stdio: 'ignore',
      });
      try {
        await waitForHealth(port, npm);
        // The app, not only the API: npm start serves the built SPA on the same origin.
        expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toContain('<div id="root">');
        const spawned = descendants(npm.pid ?? 0);
        const commands = spawned.map((pid) =>
          execFileSync('ps', ['-o', 'args=', '-p', String(pid)])
            .toString()
            .trim(),
        );
        const stream = await openPushStream(port);

        const started = performance.now();
        npm.kill(signal);
        await waitForExit(npm);
        // Give anything npm left behind a moment to show itself still answering.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(spawned.filter(isAlive), commands.join(' | ')).toEqual([]);
        expect(await refusesConnections(port)).toBe(true);
        expect(performance.now() - started).toBeLessThan(5_000);
        expect((await stream.ended).endsWith('retry: 1000\n\n')).toBe(true);
        // Plain node runs the compiled server: no shell or loader in between to swallow the signal.
        expect(commands).toEqual([expect.stringMatching(/^node .*dist-server\/index\.js/)]);
      } finally {
        if (npm.exitCode === null) npm.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
