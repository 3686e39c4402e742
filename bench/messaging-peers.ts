import { pathToFileURL } from 'node:url';
import { rules } from '../src/shared/rules';
import { DEFAULT_DATABASE_URL, onThrowawayStore } from './messaging/pg-schema';
import { ringpostPairs } from './messaging/ringpost-pairs';
import { formatServerKeys, generateServerKey } from '../src/server/server-keys';
import {
  BENCH_BUNDLES,
  readCpuMs,
  startServerProcess,
  UNLIMITED_RATES,
  type ServerProcess,
} from './messaging/server-process';
import {
  closedLoop,
  deliverOnConnect,
  latencyWorkload,
  type BenchPair,
  type LatencySamples,
  type RateResult,
} from './messaging/workloads';
import { prosodyAvailability, startProsody } from './prosody/prosody-server';
import { xmppPairs } from './prosody/xmpp-pairs';
import { betterRatio, spread, type Figure, type PeerResult, type Spread } from './report';

// The server part of `npm run bench`: Ringpost (compiled, in a child process, on SQLite and on
// PostgreSQL) and Prosody (Debian's package, SQLite storage) through the same 1:1 workloads, in this
// order on each: storing for offline recipients, delivering on connect, one-at-a-time latency, and the
// sustained rate. This process is the load generator; the servers run in their own.

export interface MessagingBenchOptions {
  pairs?: number;
  latencyMessages?: number;
  offlinePerPair?: number;
  throughputPerPair?: number;
  inFlight?: number;
  databaseUrl?: string;
  servers?: readonly BenchServer[];
  log?: (line: string) => void;
}

/** `postgres-2`: two instances on one PostgreSQL, every sender on one and every recipient on the other. */
export const BENCH_SERVERS = ['prosody', 'sqlite', 'postgres', 'postgres-2'] as const;
export type BenchServer = (typeof BENCH_SERVERS)[number];

export interface CpuShare {
  /** Of one core, over the workload: the server's process, and this one (the load generator). */
  server: number;
  generator: number;
}

export interface ServerRun {
  server: string;
  latency: LatencySamples;
  storing: RateResult;
  delivering: RateResult;
  sustained: RateResult;
  /** Per workload: a server near 1 is the limit; a generator near 1 would mean the bench is. */
  cpu: Record<'storing' | 'delivering' | 'latency' | 'sustained', CpuShare>;
}

export type ServerOutcome = ServerRun | { server: string; skipped: string };

export interface MessagingBenchReport {
  pairs: number;
  inFlight: number;
  latencyMessages: number;
  prosodyVersion: string | null;
  runs: ServerOutcome[];
}

const LATENCY_WARMUP = 50;

/** Runs `work` and says how busy the server (its processes together) and this process were meanwhile. */
async function withCpu<T>(serverPids: readonly number[], work: () => Promise<T>): Promise<[T, CpuShare]> {
  const serverCpu = () => serverPids.reduce((sum, pid) => sum + readCpuMs(pid), 0);
  const wallStart = performance.now();
  const serverStart = serverCpu();
  const generatorStart = process.cpuUsage();
  const value = await work();
  const wall = performance.now() - wallStart;
  const generator = process.cpuUsage(generatorStart);
  return [
    value,
    {
      server: (serverCpu() - serverStart) / wall,
      generator: (generator.user + generator.system) / 1000 / wall,
    },
  ];
}

const busy = (cpu: CpuShare) =>
  `server CPU ${(cpu.server * 100).toFixed(0)} %, generator ${(cpu.generator * 100).toFixed(0)} %`;

async function runWorkloads(
  server: string,
  serverPids: readonly number[],
  pairs: readonly BenchPair[],
  options: Required<Omit<MessagingBenchOptions, 'log' | 'databaseUrl' | 'pairs' | 'servers'>>,
  log: (line: string) => void,
): Promise<ServerRun> {
  const { offlinePerPair, throughputPerPair, inFlight, latencyMessages } = options;
  const [storing, storingCpu] = await withCpu(serverPids, () =>
    closedLoop(pairs, offlinePerPair, inFlight, (pair, k) => pair.stored(k)),
  );
  log(
    `  ${server}: stored ${storing.messages} for offline recipients at ${storing.perSecond.toFixed(0)}/s (${busy(storingCpu)})`,
  );
  const [delivering, deliveringCpu] = await withCpu(serverPids, () =>
    deliverOnConnect(pairs, offlinePerPair),
  );
  // The recipients' acknowledgements are still on their way: let them land, or they would load the
  // latency run that follows.
  await Promise.all(
    pairs.map((pair) => Promise.all(Array.from({ length: offlinePerPair }, (_, k) => pair.delivered(k)))),
  );
  log(
    `  ${server}: delivered them on connect at ${delivering.perSecond.toFixed(0)}/s (${busy(deliveringCpu)})`,
  );
  const first = pairs[0];
  if (!first) throw new Error('No pairs.');
  const [latency, latencyCpu] = await withCpu(serverPids, () =>
    latencyWorkload(first, offlinePerPair + throughputPerPair, LATENCY_WARMUP, latencyMessages),
  );
  log(`  ${server}: ${latencyMessages} messages one at a time (${busy(latencyCpu)})`);
  const [sustained, sustainedCpu] = await withCpu(serverPids, () =>
    closedLoop(pairs, throughputPerPair, inFlight, (pair, k) => pair.delivered(k), offlinePerPair),
  );
  log(`  ${server}: sustained ${sustained.perSecond.toFixed(0)} delivered/s (${busy(sustainedCpu)})`);
  return {
    server,
    latency,
    storing,
    delivering,
    sustained,
    cpu: { storing: storingCpu, delivering: deliveringCpu, latency: latencyCpu, sustained: sustainedCpu },
  };
}

function capacities(
  options: Required<Omit<MessagingBenchOptions, 'log' | 'databaseUrl' | 'servers'>>,
): number[] {
  const common = options.offlinePerPair + options.throughputPerPair;
  // Only the first pair runs the latency workload; its messages come after the two others'.
  return Array.from({ length: options.pairs }, (_, i) =>
    i === 0 ? common + LATENCY_WARMUP + options.latencyMessages : common,
  );
}

async function runRingpost(
  store: 'sqlite' | 'postgres',
  options: Required<Omit<MessagingBenchOptions, 'log' | 'databaseUrl' | 'servers'>>,
  databaseUrl: string,
  log: (line: string) => void,
  instances = 1,
): Promise<ServerOutcome> {
  const name =
    store === 'sqlite'
      ? 'Ringpost (SQLite)'
      : instances === 1
        ? 'Ringpost (PostgreSQL)'
        : `Ringpost (PostgreSQL, ${instances} instances)`;
  const outcome = await onThrowawayStore(store, databaseUrl, async (url) => {
    // Instances of one deployment share the server key that seals envelopes at rest.
    const serverKey = formatServerKeys([generateServerKey()]);
    const servers: ServerProcess[] = [];
    let pairs: BenchPair[] = [];
    try {
      // One after the other: the first runs the migrations.
      for (let index = 0; index < instances; index++) {
        servers.push(
          await startServerProcess({
            script: BENCH_BUNDLES.ringpost,
            healthPath: '/api/ready',
            env: {
              ...UNLIMITED_RATES,
              ...(url ? { DATABASE_URL: url } : {}),
              RINGPOST_SERVER_KEY: serverKey,
              RINGPOST_STATIC_DIR: '',
              RINGPOST_LOG: '0',
              // Sign-up is set-up here, not a measured figure: the lowest key stretching the server accepts.
              RINGPOST_PBKDF2_ITERATIONS: String(rules.pbkdf2MinIterations),
              // No decoy keys made in the background: their RSA generation would share the CPU with the load.
              RINGPOST_DECOY_POOL: '0',
            },
          }),
        );
      }
      const senders = servers[0];
      const recipients = servers[servers.length - 1];
      if (!senders || !recipients) throw new Error('No server started.');
      const setupStarted = performance.now();
      pairs = await ringpostPairs(senders.origin, capacities(options), recipients.origin);
      log(
        `  ${name}: ${pairs.length} pairs signed up in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
      );
      return await runWorkloads(
        name,
        servers.map((server) => server.pid),
        pairs,
        options,
        log,
      );
    } finally {
      await Promise.allSettled(pairs.map((pair) => pair.close()));
      await Promise.all(servers.map((server) => server.stop()));
    }
  });
  return 'value' in outcome ? outcome.value : { server: name, skipped: outcome.unreachable };
}

async function runProsody(
  options: Required<Omit<MessagingBenchOptions, 'log' | 'databaseUrl' | 'servers'>>,
  log: (line: string) => void,
): Promise<ServerOutcome> {
  const availability = prosodyAvailability();
  if (!availability.available) return { server: 'Prosody', skipped: availability.why };
  const server = await startProsody(options.pairs * 2);
  const name = `Prosody ${server.version}`;
  let pairs: BenchPair[] = [];
  try {
    pairs = await xmppPairs(server.port, capacities(options));
    return await runWorkloads(name, [server.pid], pairs, options, log);
  } finally {
    await Promise.allSettled(pairs.map((pair) => pair.close()));
    await server.stop();
  }
}

export async function runMessagingBench(options: MessagingBenchOptions = {}): Promise<MessagingBenchReport> {
  const settings = {
    pairs: options.pairs ?? 100,
    latencyMessages: options.latencyMessages ?? 1_000,
    offlinePerPair: options.offlinePerPair ?? 50,
    throughputPerPair: options.throughputPerPair ?? 60,
    inFlight: options.inFlight ?? 10,
  };
  const log = options.log ?? ((line: string) => console.log(line));
  const databaseUrl = options.databaseUrl ?? process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const availability = prosodyAvailability();
  const servers = options.servers ?? BENCH_SERVERS;
  const runs: ServerOutcome[] = [];
  if (servers.includes('prosody')) runs.push(await runProsody(settings, log));
  if (servers.includes('sqlite')) runs.push(await runRingpost('sqlite', settings, databaseUrl, log));
  if (servers.includes('postgres')) runs.push(await runRingpost('postgres', settings, databaseUrl, log));
  if (servers.includes('postgres-2')) runs.push(await runRingpost('postgres', settings, databaseUrl, log, 2));
  return {
    pairs: settings.pairs,
    inFlight: settings.inFlight,
    latencyMessages: settings.latencyMessages,
    prosodyVersion: availability.available ? availability.version : null,
    runs,
  };
}

function isRun(outcome: ServerOutcome | undefined): outcome is ServerRun {
  return outcome !== undefined && 'latency' in outcome;
}

function rateSpread(result: RateResult): Spread {
  // For a rate, "p95" is the slow end: 95 % of the run's windows were at least this fast.
  const sorted = [...result.windowRates].sort((a, b) => a - b);
  const slow = sorted[Math.floor(sorted.length * 0.05)] ?? result.perSecond;
  return { median: result.perSecond, p95: slow };
}

export function messagingFigures(report: MessagingBenchReport): Figure[] {
  const prosody = report.runs.find((run) => run.server.startsWith('Prosody'));
  const peerOf = (pick: (run: ServerRun) => Spread): PeerResult =>
    isRun(prosody)
      ? { name: prosody.server, value: pick(prosody) }
      : { name: 'Prosody', skipped: prosody && 'skipped' in prosody ? prosody.skipped : 'not run' };
  const figures: Figure[] = [];
  for (const run of report.runs) {
    if (run === prosody) continue;
    const store = run.server.replace(/^Ringpost /, '');
    const failed = (why: string) => ({ failed: why });
    const ours = <T>(pick: (value: ServerRun) => T) => (isRun(run) ? pick(run) : null);

    const delivered = ours((r) => spread(r.latency.deliveredMs, true));
    const deliveredPeer = peerOf((p) => spread(p.latency.deliveredMs, true));
    figures.push({
      part: 'server',
      figure: `send → Delivered, online recipient, one at a time, API path ${store}`,
      unit: 'ms',
      ringpost: delivered ?? failed('skipped' in run ? run.skipped : 'not run'),
      peer: deliveredPeer,
      ratio:
        delivered && 'value' in deliveredPeer
          ? betterRatio(delivered.median, deliveredPeer.value.median, false)
          : null,
      target: 'p50 ≤ 20 ms, p99 ≤ 100 ms',
      met: delivered ? delivered.median <= 20 && (delivered.p99 ?? Infinity) <= 100 : null,
      note: `${report.latencyMessages} messages after ${LATENCY_WARMUP} warm-up; peer: XEP-0184 receipt round trip`,
    });

    const forward = ours((r) => spread(r.latency.forwardMs, true));
    const forwardPeer = peerOf((p) => spread(p.latency.forwardMs, true));
    const peerForward = 'value' in forwardPeer ? forwardPeer.value : null;
    figures.push({
      part: 'server',
      figure: `server forward (send → recipient has it) ${store}`,
      unit: 'ms',
      ringpost: forward ?? failed('skipped' in run ? run.skipped : 'not run'),
      peer: forwardPeer,
      ratio: forward && peerForward ? betterRatio(forward.median, peerForward.median, false) : null,
      target: 'p50 and p99 no worse than Prosody',
      met:
        forward && peerForward
          ? forward.median <= peerForward.median && (forward.p99 ?? Infinity) <= (peerForward.p99 ?? Infinity)
          : null,
    });

    const rateFigure = (
      figure: string,
      pick: (value: ServerRun) => RateResult,
      target: string,
      atLeast: number,
      note: string,
    ) => {
      const value = ours((r) => rateSpread(pick(r)));
      const peer = peerOf((p) => rateSpread(pick(p)));
      const ratio = value && 'value' in peer ? betterRatio(value.median, peer.value.median, true) : null;
      figures.push({
        part: 'server',
        figure: `${figure} ${store}`,
        unit: 'msg/s',
        ringpost: value ?? failed('skipped' in run ? run.skipped : 'not run'),
        peer,
        ratio,
        target,
        met: ratio === null ? null : ratio >= atLeast,
        note,
      });
    };
    rateFigure(
      'sustained 1:1 messages/s',
      (r) => r.sustained,
      '≥ 2× Prosody',
      2,
      `${report.pairs} pairs × ${report.inFlight} in flight until Delivered; p95 column: 95 % of 250 ms windows at least this fast`,
    );
    rateFigure(
      'storing for offline recipients (durable), msg/s',
      (r) => r.storing,
      '≥ 5× Prosody',
      5,
      `${report.pairs} pairs × ${report.inFlight} in flight; Ringpost: until its 202, Prosody: until its stream-management ack`,
    );
    rateFigure(
      'delivering stored messages on connect, msg/s',
      (r) => r.delivering,
      '≥ 1× Prosody',
      1,
      'every recipient comes online at once (already signed in) until each has all of its messages',
    );
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMessagingBench()
    .then((report) => console.table(messagingFigures(report)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
