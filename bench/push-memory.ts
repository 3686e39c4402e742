import { randomBytes } from 'node:crypto';
import { configResponseSchema } from '../src/shared/protocol/config';
import { apiSession, expectStatus } from '../src/server/testing/http-session';
import { openIdleStreams } from './messaging/idle-streams';
import { betterRatio, type Figure } from './report';
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

export type PushServer = 'ringpost' | 'node-response' | 'hono-streamsse';

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
  /** RSS growth over the second half of the connections / their number: the cost of one more. */
  marginalRssKbPerConnection: number;
  marginalHeapKbPerConnection: number;
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
  // Opened in two halves with a reading between: the second half's growth is what one more connection
  // costs, free of one-time growth the first half paid (V8's young generation reaching its size, the
  // allocator's arenas), which the average over all of them still carries.
  const firstHalf = await open(Math.ceil(connections / 2));
  let secondHalf: Awaited<ReturnType<typeof open>> | null = null;
  try {
    await pause(IDLE_MS);
    const middle = await running.settledMemory();
    secondHalf = await open(connections - Math.ceil(connections / 2));
    await pause(IDLE_MS);
    const after = await running.settledMemory();
    const opened = firstHalf.opened + secondHalf.opened;
    const per = (delta: number, count: number) => (count === 0 ? Number.NaN : delta / count);
    const failures = { ...firstHalf.failures };
    for (const [reason, count] of Object.entries(secondHalf.failures)) {
      failures[reason] = (failures[reason] ?? 0) + count;
    }
    return {
      server,
      requested: connections,
      attempted: firstHalf.attempted + secondHalf.attempted,
      opened,
      failures,
      rssBeforeKb: before.rssKb,
      rssAfterKb: after.rssKb,
      rssKbPerConnection: per(after.rssKb - before.rssKb, opened),
      heapKbPerConnection: per(after.heapUsedKb - before.heapUsedKb, opened),
      marginalRssKbPerConnection: per(after.rssKb - middle.rssKb, secondHalf.opened),
      marginalHeapKbPerConnection: per(after.heapUsedKb - middle.heapUsedKb, secondHalf.opened),
    };
  } finally {
    firstHalf.close();
    secondHalf?.close();
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

async function measurePeer(
  server: Exclude<PushServer, 'ringpost'>,
  connections: number,
): Promise<PushMemoryFigures> {
  const script = server === 'node-response' ? BENCH_BUNDLES.nodeSsePeer : BENCH_BUNDLES.honoSsePeer;
  const running = await startServerProcess({ script, healthPath: '/health' });
  try {
    return await measureServer(server, running, { path: '/events', headers: {} }, connections);
  } finally {
    await running.stop();
  }
}

export async function runPushMemoryBench({
  connections = 2_000,
}: { connections?: number } = {}): Promise<PushMemoryReport> {
  // One after the other: each server has the machine to itself while its memory is read.
  const ringpost = await measureRingpost(connections);
  const floor = await measurePeer('node-response', connections);
  const hono = await measurePeer('hono-streamsse', connections);
  return { connections, servers: [ringpost, floor, hono] };
}

export interface PushMemoryRow {
  server: string;
  opened: string;
  rssBeforeMiB: string;
  rssAfterMiB: string;
  rssKbPerConnection: string;
  heapKbPerConnection: string;
  marginalRssKb: string;
  marginalHeapKb: string;
  failures: string;
}

const SERVER_LABELS: Record<PushServer, string> = {
  ringpost: 'Ringpost /api/events',
  'node-response': "Node's response, no framework (floor)",
  'hono-streamsse': 'Hono streamSSE (peer)',
};

/** Rows for console.table: Ringpost beside the bare floor and the Hono streamSSE peer. */
export function formatPushMemory(report: PushMemoryReport): PushMemoryRow[] {
  const mib = (kb: number) => (kb / 1024).toFixed(1);
  return report.servers.map((figures) => ({
    server: SERVER_LABELS[figures.server],
    opened: `${figures.opened} / ${figures.requested}${figures.attempted < figures.requested ? ` (${figures.attempted} tried)` : ''}`,
    rssBeforeMiB: mib(figures.rssBeforeKb),
    rssAfterMiB: mib(figures.rssAfterKb),
    rssKbPerConnection: figures.rssKbPerConnection.toFixed(1),
    heapKbPerConnection: figures.heapKbPerConnection.toFixed(1),
    marginalRssKb: figures.marginalRssKbPerConnection.toFixed(1),
    marginalHeapKb: figures.marginalHeapKbPerConnection.toFixed(1),
    failures:
      Object.entries(figures.failures)
        .map(([reason, count]) => `${reason} × ${count}`)
        .join(', ') || 'none',
  }));
}

export function pushMemoryFigures(report: PushMemoryReport): Figure[] {
  const of = (server: PushServer) => report.servers.find((figures) => figures.server === server);
  const ours = of('ringpost');
  const hono = of('hono-streamsse');
  const floor = of('node-response');
  const complete = (figures: PushMemoryFigures | undefined) =>
    figures !== undefined && figures.opened === figures.requested;
  return [
    {
      part: 'server',
      figure: `memory per idle push connection, ${report.connections.toLocaleString('en')} connections (RSS)`,
      unit: 'KiB',
      ringpost:
        complete(ours) && ours
          ? { median: ours.rssKbPerConnection, p95: null }
          : { failed: `${ours?.opened ?? 0} of ${report.connections} opened` },
      peer:
        complete(hono) && hono
          ? { name: 'Hono streamSSE', value: { median: hono.rssKbPerConnection, p95: null } }
          : { name: 'Hono streamSSE', skipped: `${hono?.opened ?? 0} of ${report.connections} opened` },
      ratio: ours && hono ? betterRatio(ours.rssKbPerConnection, hono.rssKbPerConnection, false) : null,
      target: '≤ 10 KiB RSS each',
      met: complete(ours) && ours ? ours.rssKbPerConnection <= 10 : null,
      note:
        `after two full collections; one more connection costs ${ours?.marginalRssKbPerConnection.toFixed(1) ?? '?'} KB ` +
        `(marginal); bare node:http floor ${floor?.rssKbPerConnection.toFixed(1) ?? '?'} KB`,
    },
  ];
}
