import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from '../../src/server/testing/free-port';
import { readVmRssKb } from '../messaging/server-process';

// Prosody, the store-and-forward peer: Debian's package, started by the bench on loopback with a
// throwaway config and data directory, SQLite storage (as the issue asks) and only the modules the 1:1
// workload needs. Nothing is installed or changed system-wide; without the package the peer is skipped.

export const PROSODY_DOMAIN = 'localhost';
const PROSODY = '/usr/bin/prosody';
const PROSODYCTL = '/usr/bin/prosodyctl';

export interface ProsodyServer {
  port: number;
  pid: number;
  version: string;
  rssKb(): number;
  stop(): Promise<void>;
}

export type ProsodyAvailability = { available: true; version: string } | { available: false; why: string };

export function prosodyAvailability(): ProsodyAvailability {
  const about = spawnSync(PROSODYCTL, ['about'], { encoding: 'utf8', timeout: 10_000 });
  if (about.error || about.status !== 0) {
    return {
      available: false,
      why: 'Prosody is not installed: `apt-get install prosody lua-dbi-sqlite3` adds it, then run the bench again',
    };
  }
  const version = /^Prosody (\S+)/m.exec(about.stdout)?.[1] ?? 'unknown';
  // Without LuaDBI's SQLite driver Prosody starts and only fails at the first stored stanza.
  const driver = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'lua-dbi-sqlite3'], { encoding: 'utf8' });
  if (!/LuaDBI/.test(about.stdout) || !driver.stdout.includes('installed')) {
    return {
      available: false,
      why: 'Prosody has no SQLite driver: `apt-get install lua-dbi-sqlite3` adds it',
    };
  }
  return { available: true, version };
}

function config(dataDir: string, port: number): string {
  return `
-- Written by the Ringpost bench for one run; the directory is removed afterwards.
run_as_root = true
daemonize = false
pidfile = "${dataDir}/prosody.pid"
data_path = "${dataDir}"
log = { error = "${dataDir}/error.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { ${port} }
s2s_ports = {}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
-- SCRAM in @xmpp/client is slow pure JS: the login would dominate the setup, not the server.
disable_sasl_mechanisms = { "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "DIGEST-MD5" }
storage = "sql"
sql = { driver = "SQLite3", database = "prosody.sqlite" }
-- Node's HTTP server turns Nagle's algorithm off on every socket; Prosody the same, or its small writes
-- would wait out the peer's delayed ACK (40 ms) and the comparison would measure TCP, not Prosody.
network_settings = { nagle = false }
modules_enabled = { "saslauth", "offline", "smacks", "disco", "ping" }
modules_disabled = { "s2s" }
VirtualHost "${PROSODY_DOMAIN}"
`;
}

function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`Prosody did not listen on ${port}.`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Starts Prosody with `users` accounts (`user-<n>` with password `pw-<n>`), made before it starts:
 * prosodyctl creates the schema with the first, the rest go into its accounts store in one transaction
 * (200 prosodyctl runs would take longer than the workload).
 */
export async function startProsody(users: number): Promise<ProsodyServer> {
  const availability = prosodyAvailability();
  if (!availability.available) throw new Error(availability.why);
  const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-bench-prosody-'));
  const port = await freePort();
  const configFile = join(dataDir, 'prosody.cfg.lua');
  writeFileSync(configFile, config(dataDir, port));

  const first = spawnSync(
    PROSODYCTL,
    ['--config', configFile, 'register', userName(0), PROSODY_DOMAIN, password(0)],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  if (first.status !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`prosodyctl register failed: ${first.stderr || first.stdout}`);
  }
  const db = new Database(join(dataDir, 'prosody.sqlite'));
  const insert = db.prepare(
    `INSERT INTO prosody (host, user, store, key, type, value) VALUES (?, ?, 'accounts', 'password', 'string', ?)`,
  );
  db.transaction(() => {
    for (let n = 1; n < users; n++) insert.run(PROSODY_DOMAIN, userName(n), password(n));
  })();
  db.close();

  const child = spawn(PROSODY, ['--config', configFile, '-F'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const stop = async () => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, Date.now() + 20_000);
  } catch (error) {
    const log = safeRead(join(dataDir, 'error.log'));
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${stderr}\n${log}`, {
      cause: error,
    });
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('Prosody has no pid.');
  return { port, pid, version: availability.version, rssKb: () => readVmRssKb(pid), stop };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function userName(n: number): string {
  return `user-${n}`;
}

export function password(n: number): string {
  return `pw-${n}`;
}
