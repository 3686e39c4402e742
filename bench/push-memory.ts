import { randomBytes } from 'node:crypto';
import { configResponseSchema } from '../src/shared/protocol/config';
import { apiSession, expectStatus } from './messaging/api-session';
import { openIdleStreams } from './messaging/idle-streams';
import {
  BENCH_BUNDLES,
  startServerProcess,
  UNLIMITED_RATES,
  type ServerProcess,
} from './messaging/server-process';

// DESIGN §3: every signed-in browser holds one push connection open, nearly always idle, so what an idle
// connection costs decides how many people one server holds. This opens N idle `GET /api/events` streams
// against the real server (compiled, in a child process) and reads the child's RSS before and after, then
// does the same against the smallest Hono `streamSSE` server, the peer TOOLCHAIN.md measured at ~32 KB.

export type PushServer = 'ringpost' | 'hono-streamsse';

export interface PushMemoryFigures {
  server: PushServer;
  requested: number;
  /** Fewer than requested when the file-descriptor limit (EMFILE) stopped the opening early. */
  attempted: number;
  /** Connections that got their first frame and stayed open. */
  opened: number;
  /** Error code (EMFILE, ECONNRESET, "HTTP 429", "timeout"…) → failed connections. */
  failures: Record<string, number>;
  /** VmRSS of the server process after two full collections, in KB. */
  rssBeforeKb: number;
  rssAfterKb: number;
  /** (after − before) / opened. */
  rssKbPerConnection: number;
  /** The same for V8's heapUsed. */
  heapKbPerConnection: number;
}

export interface PushMemoryReport {
  connections: number;
  servers: PushMemoryFigures[];
}

/** Opened and closed before the first reading: lazily built code paths and caches are nobody's per-connection cost. */
const WARMUP_CONNECTIONS = 20;
/** How long the connections sit idle before the second reading. */
const IDLE_MS = 2_000;

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function measureServer(
  server: PushServer,
  running: ServerProcess,
  stream: { path: string; headers: Record<string, string> },
  connections: number,
): Promise<PushMemoryFigures> {
  const open = (count: number) => openIdleStreams({ port: running.port, count, ...stream });
  const warm = await open(WARMUP_CONNECTIONS);
  warm.close();
  await pause(300);
  const before = await running.settledMemory();
  const streams = await open(connections);
  try {
    await pause(IDLE_MS);
    const after = await running.settledMemory();
    const per = (delta: number) => (streams.opened === 0 ? Number.NaN : delta / streams.opened);
    return {
      server,
      requested: connections,
      attempted: streams.attempted,
      opened: streams.opened,
      failures: streams.failures,
      rssBeforeKb: before.rssKb,
      rssAfterKb: after.rssKb,
      rssKbPerConnection: per(after.rssKb - before.rssKb),
      heapKbPerConnection: per(after.heapUsedKb - before.heapUsedKb),
    };
  } finally {
    streams.close();
  }
}

async function measureRingpost(connections: number): Promise<PushMemoryFigures> {
  const running = await startServerProcess({
    script: BENCH_BUNDLES.ringpost,
    healthPath: '/api/health',
    env: {
      ...UNLIMITED_RATES,
      RINGPOST_STATIC_DIR: '',
      RINGPOST_LOG: '0',
      // No decoy keys filling the store in the background while memory is read.
      RINGPOST_DECOY_POOL: '0',
    },
  });
  try {
    // A random auth key: the server stores only its hash and cannot tell it from a derived one, and the
    // push channel needs nothing but a signed-in session.
    const session = apiSession(running.origin);
    const config = configResponseSchema.parse(await (await session.get('/api/config')).json());
    await expectStatus(
      await session.post('/api/accounts', {
        name: `push-${randomBytes(4).toString('hex')}`,
        authKey: randomBytes(32).toString('base64url'),
        kdfIterations: config.kdf.iterations,
      }),
      201,
      'Signing up',
    );
    const cookie = session.cookie;
    if (!cookie) throw new Error('Signing up set no session cookie.');
    return await measureServer(
      'ringpost',
      running,
      { path: '/api/events', headers: { Cookie: cookie } },
      connections,
    );
  } finally {
    await running.stop();
  }
}

async function measureHonoPeer(connections: number): Promise<PushMemoryFigures> {
  const running = await startServerProcess({ script: BENCH_BUNDLES.honoSsePeer, healthPath: '/health' });
  try {
    return await measureServer('hono-streamsse', running, { path: '/events', headers: {} }, connections);
  } finally {
    await running.stop();
  }
}

export async function runPushMemoryBench({
  connections = 2_000,
}: { connections?: number } = {}): Promise<PushMemoryReport> {
  // One after the other: each server has the machine to itself while its memory is read.
  const ringpost = await measureRingpost(connections);
  const hono = await measureHonoPeer(connections);
  return { connections, servers: [ringpost, hono] };
}

export interface PushMemoryRow {
  server: string;
  opened: string;
  rssBeforeMiB: string;
  rssAfterMiB: string;
  rssKbPerConnection: string;
  heapKbPerConnection: string;
  failures: string;
}

/** Rows for console.table, Ringpost beside the Hono streamSSE peer. */
export function formatPushMemory(report: PushMemoryReport): PushMemoryRow[] {
  const mib = (kb: number) => (kb / 1024).toFixed(1);
  return report.servers.map((figures) => ({
    server: figures.server === 'ringpost' ? 'Ringpost /api/events' : 'Hono streamSSE (peer)',
    opened: `${figures.opened} / ${figures.requested}${figures.attempted < figures.requested ? ` (${figures.attempted} tried)` : ''}`,
    rssBeforeMiB: mib(figures.rssBeforeKb),
    rssAfterMiB: mib(figures.rssAfterKb),
    rssKbPerConnection: figures.rssKbPerConnection.toFixed(1),
    heapKbPerConnection: figures.heapKbPerConnection.toFixed(1),
    failures:
      Object.entries(figures.failures)
        .map(([reason, count]) => `${reason} × ${count}`)
        .join(', ') || 'none',
  }));
}
