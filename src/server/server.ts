import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { backgroundTasks } from './background';
import { createAuthHasher } from './auth/auth-hash';
import { clientAddressResolver } from './client-address';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { openStore } from './db/open-store';
import { deleteExpiredRateLimits } from './db/rate-limits';
import { deleteExpiredSessions, sessionDeadline } from './db/sessions';
import { sessionLimits } from './middleware/session';
import { rsaDecoyKeyGenerator } from './decoy-keys';
import { createJobRunner, type Job } from './jobs';
import { createLogger, type Logger } from './log';
import { messageJobs } from './message-jobs';
import { channelsFor } from './db/notify';
import { createPgListener, type PgListener } from './db/pg-listener';
import { advisoryJobLock } from './job-locks';
import { readLoggedEvents, readLoggedEventsAfter } from './messaging';
import { inProcessEventBus, type EventBus } from './push/event-bus';
import { postgresEventBus } from './push/pg-event-bus';
import { readiness } from './readiness';
import { createPushStreams } from './push/push-streams';
import { flexibleRateLimiter } from './rate-limit';
import { ringJobs } from './ring-jobs';
import { loadServerKeys, serverKeyring } from './server-keys';

export interface RunningServer {
  port: number;
  /**
   * Stops accepting connections, ends push streams with a reconnect hint, lets requests under way finish
   * (their writes included), stops the sweeps and closes the store. Safe to call more than once.
   */
  shutdown(): Promise<void>;
  /** Runs a background job now, as its timer would: false when another instance holds it (tests, ops). */
  runJob(name: string): Promise<boolean>;
  /** The PostgreSQL backend of the listening connection, null on SQLite or while it is down (tests). */
  listenerPid(): number | null;
}

/** How long requests under way may take to finish before their connections are cut. */
const DRAIN_DEADLINE_MS = 10_000;

export async function startServer(
  config: Config,
  options: { log?: Logger; clock?: Clock } = {},
): Promise<RunningServer> {
  const log = options.log ?? createLogger();
  const clock = options.clock ?? systemClock;
  // Before the store opens, so a bad key file stops the start with nothing left open.
  const keyring = serverKeyring(loadServerKeys(config.serverKeys, config.dataDir));
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const hasher = await createAuthHasher();
  const keys = { db: store.db, clock, config, keyring };
  // On PostgreSQL, always the shared bus: one instance behaves as any of several would.
  let listener: PgListener | null = null;
  let bus: EventBus;
  if (store.pg) {
    const channels = channelsFor(store.pg.schema);
    listener = createPgListener({
      newClient: store.pg.newClient,
      channels: [channels.events, channels.sessions],
      clock,
      log,
    });
    try {
      await listener.start();
    } catch (error) {
      await store.close();
      throw error;
    }
    bus = postgresEventBus({
      db: store.db,
      listener,
      channels,
      clock,
      log,
      readEvents: (seqs) => readLoggedEvents({ ...keys, bus }, seqs),
      readAfter: (floors) => readLoggedEventsAfter({ ...keys, bus }, floors),
      sweepMs: config.pushSweepMs,
    });
  } else {
    bus = inProcessEventBus(log);
  }
  const streams = createPushStreams({
    bus,
    clock,
    keepAliveMs: config.keepAliveMs,
    log,
    renew: (key) => sessionDeadline(store.db, key, clock.now(), sessionLimits(config)),
  });
  const decoyKeys = rsaDecoyKeyGenerator();
  const tasks = backgroundTasks(log);
  // Ends a pool refill between batches at shutdown, so stopping never waits for a whole pool of keys.
  const stopping = new AbortController();
  let closing = false;
  const app = createApp({
    store,
    clock,
    config,
    rateLimiter: flexibleRateLimiter({ clock, pgPool: store.pgPool }),
    hasher,
    bus,
    streams,
    clientAddress: clientAddressResolver(config.trustProxyHops),
    log,
    decoyKeys,
    keyring,
    tasks,
    readiness: readiness({ store, bus, draining: () => closing }),
  });

  const jobs: Job[] = [
    {
      name: 'expired-sessions',
      everyMs: config.sweepIntervalMs,
      run: async () => {
        const removed = await deleteExpiredSessions(store.db, clock.now(), config.sessionIdleMs);
        if (removed) log.info({ removed }, 'expired sessions removed');
      },
    },
    ...ringJobs({ db: store.db, clock, config, log, decoyKeys, signal: stopping.signal }),
    ...messageJobs({ db: store.db, bus, clock, config, log, keyring }),
  ];
  if (store.kind === 'postgres') {
    jobs.push({
      name: 'expired-rate-limits',
      everyMs: config.sweepIntervalMs,
      run: async () => {
        await deleteExpiredRateLimits(store.db, clock.now());
      },
    });
  }
  const runner = createJobRunner({
    clock,
    log,
    jobs,
    ...(listener && store.pg ? { lock: advisoryJobLock(listener, store.pg.schema) } : {}),
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(started),
    ) as Server;
    started.once('error', reject);
  });
  // While draining, every response tells its client to reconnect (to another instance, or after a
  // restart), including those of requests that were already under way when the shutdown began.
  const unanswered = new Set<ServerResponse>();
  server.on('request', (_request, response: ServerResponse) => {
    if (closing) response.setHeader('Connection', 'close');
    else {
      unanswered.add(response);
      response.once('close', () => unanswered.delete(response));
    }
  });
  runner.start();
  // Filled in the background: the server answers at once, and a look-up before the pool is ready makes its
  // decoy on the spot.
  void runner.runNow('decoy-pool');
  const port = (server.address() as AddressInfo).port;
  log.info({ port, store: store.kind }, `Ringpost listening on http://localhost:${port}`);

  let stopped: Promise<void> | null = null;
  async function shutdown() {
    closing = true;
    stopping.abort();
    for (const response of unanswered) if (!response.headersSent) response.setHeader('Connection', 'close');
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    await streams.closeAll();
    // Idle keep-alive sockets would hold the close up for their whole timeout; busy ones finish first.
    const sweepIdle = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => server.closeAllConnections(), DRAIN_DEADLINE_MS);
    server.closeIdleConnections();
    await drained;
    clearInterval(sweepIdle);
    clearTimeout(deadline);
    await runner.stop();
    await tasks.idle();
    await bus.close();
    await store.close();
    log.info('stopped');
    log.flush();
  }

  return {
    port,
    shutdown: () => (stopped ??= shutdown()),
    runJob: (name) => runner.runNow(name),
    listenerPid: () => listener?.backendPid() ?? null,
  };
}
