import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/server/testing/free-port';
import { ownServerDataDir } from './leak-record';

// A Ringpost server of a story's own, from the run's build, for stories that stop and restart it while
// browsers keep going; the shared server stays up for every other story. It keeps its port and data
// folder (and so its server key) across restarts, as a real deployment would. The folder, with the
// server's log in it, outlives the server: the leak check after the run reads it, then deletes it with
// the run's data folder.

export interface OwnServer {
  baseURL: string;
  dataDir: string;
  start(): Promise<void>;
  /** SIGTERM, and waits for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies on the spot, as in a crash or an out-of-memory kill. */
  kill(): Promise<void>;
  /** Stops the server; its data folder stays for the leak check. */
  dispose(): Promise<void>;
}

async function untilHealthy(baseURL: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited with ${child.exitCode}.`);
    try {
      if ((await fetch(`${baseURL}/api/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('The server did not become healthy within 15 s.');
}

export async function ownServer(env: Record<string, string> = {}): Promise<OwnServer> {
  const buildDir = process.env.E2E_BUILD_DIR;
  if (!buildDir) throw new Error('E2E_BUILD_DIR is not set: run through playwright.config.ts.');
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const dataDir = ownServerDataDir();
  let child: ChildProcess | null = null;

  const server: OwnServer = {
    baseURL,
    dataDir,
    async start() {
      // Its log and anything Node prints, appended to across restarts; the child keeps its own descriptor.
      const log = openSync(join(dataDir, 'server.log'), 'a');
      child = spawn(process.execPath, [join(buildDir, 'server/index.js')], {
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          RINGPOST_STATIC_DIR: join(buildDir, 'app'),
          RINGPOST_LOG: '1',
          RINGPOST_DECOY_POOL: '2',
          RINGPOST_RATE_SIGNUP_ADDRESS: '10000/1h',
          RINGPOST_RATE_SIGNIN_ADDRESS: '10000/1h',
          RINGPOST_RATE_CLAIM_NAME_ADDRESS: '10000/1h',
          ...env,
        },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      await untilHealthy(baseURL, child);
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
    async kill() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    async dispose() {
      await server.stop();
    },
  };
  await server.start();
  return server;
}
