import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serverEventSchema } from '../../shared/protocol/events';
import { pendingMessagesResponseSchema, type IncomingMessage } from '../../shared/protocol/messages';
import { rules } from '../../shared/rules';
import { formatServerKeys, generateServerKey } from '../server-keys';
import { testEnvelope } from './envelopes';
import { freePort } from './free-port';
import { apiSession, createBenchPerson, joinRings, type ApiSession } from './http-session';
import { createThrowawaySchema } from './pg-schema';
import { openEventStream, type EventStream, type SseFrame } from './sse-reader';
import { UNLIMITED_RATES } from './unlimited-rates';

// Crash safety (the hardening issue): a stream of messages through the compiled server, which is killed
// with SIGKILL while requests are in flight and started again on the same port and data. The two clients
// behave as browsers do: the sender's outbox sends each message, under its fixed id, until a 202 comes;
// the recipient keeps a push stream open, resumes it with Last-Event-ID, and acknowledges what it stores.
// Afterwards every message the server accepted must have reached the recipient, and none may come back
// once its acknowledgement was answered.

const ROOT = join(import.meta.dirname, '../../..');

export type CrashStore = { store: 'sqlite' } | { store: 'postgres'; adminUrl: string };

export type CrashRunOptions = CrashStore & {
  messages: number;
  kills: number;
  log: (line: string) => void;
  /** Sends the outbox has in flight at once: several, so a kill lands inside requests, not between them. */
  window?: number;
};

export interface CrashReport {
  store: 'sqlite' | 'postgres';
  /** Messages the outbox sent at least once. */
  sent: number;
  /** Messages that got a 202 at least once. */
  acknowledgedByServer: number;
  /** Messages the recipient received (pushed or listed as pending) and stored, each counted once. */
  delivered: number;
  /** Accepted with a 202 and never delivered. */
  lost: number;
  /**
   * Messages the server handed out again after the recipient's acknowledgement had been answered 204:
   * on a push stream opened, or a pending list asked for, after that answer.
   */
  duplicated: number;
  /**
   * Every other repeat on the wire: a message offered again on a stream that was already being opened
   * when its acknowledgement returned, or before it was acknowledged at all. Allowed; the browser keeps one.
   */
  rawRepeats: number;
  /** Send attempts after the first, across all messages (the outbox's work). */
  resends: number;
  kills: number;
  /** Requests (sends and acknowledgements) awaiting an answer at the moment of each kill. */
  inFlightAtKill: number[];
  /** From each restart's spawn until /api/ready answered 200. */
  recoveryMs: number[];
  maxRecoveryMs: number;
  elapsedMs: number;
  /** Anything the run did not expect: a refused send, an unknown message, a server that died unasked. */
  problems: string[];
}

/** Every limit out of the way: this tests delivery through crashes, not the limiter. */
const OPEN_RATES = UNLIMITED_RATES;

/** A request with no answer after this long counts as failed, as the browser's send timeout does. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long the run waits, after the last send, for every accepted message to arrive. */
const SETTLE_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The outbox's pause before attempt `tries + 1`: short, as a restarted server is back within a second. */
const backoff = (tries: number) => Math.min(250, 10 * 2 ** tries) * (0.5 + Math.random());

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The server from the current sources, as `npm run build:server` makes it, in a folder of this run. */
async function buildServer(): Promise<{ script: string; remove: () => void }> {
  mkdirSync(join(ROOT, 'node_modules/.tmp'), { recursive: true });
  // Inside the project, so the bundle finds its packages in node_modules as the real one does.
  const dir = mkdtempSync(join(ROOT, 'node_modules/.tmp/crash-run-'));
  await promisify(execFile)('npm', ['run', 'build:server', '--silent', '--', `--outfile=${dir}/index.js`], {
    cwd: ROOT,
  });
  return { script: join(dir, 'index.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

interface ServerUnderTest {
  origin: string;
  /** Spawns the process and resolves, with the milliseconds it took, once /api/ready answers 200. */
  start(): Promise<number>;
  /** SIGKILL: no shutdown code runs, as in a crash or an out-of-memory kill. */
  kill(): Promise<void>;
  /** SIGTERM, as at the end of any run. */
  stop(): Promise<void>;
}

function serverUnderTest(options: {
  script: string;
  port: number;
  env: Record<string, string>;
  onUnexpectedExit: (why: string) => void;
}): ServerUnderTest {
  const origin = `http://127.0.0.1:${options.port}`;
  let child: ChildProcess | null = null;
  let stderr = '';

  const ended = (running: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (running.exitCode !== null || running.signalCode !== null) resolve();
      else running.once('exit', () => resolve());
    });

  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    child = null;
    if (!running) return;
    running.kill(signal);
    await ended(running);
  };

  return {
    origin,
    async start() {
      const started = performance.now();
      stderr = '';
      const launched = spawn(process.execPath, [options.script], {
        cwd: ROOT,
        env: options.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = launched;
      let ready = false;
      launched.stderr?.setEncoding('utf8');
      launched.stderr?.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4_000);
      });
      launched.once('exit', (code, signal) => {
        // Killed or stopped by the run, `child` has already moved on.
        if (child !== launched) return;
        child = null;
        // Before it was ready, the loop below says so.
        if (ready) options.onUnexpectedExit(`the server exited by itself (${signal ?? code}): ${stderr}`);
      });
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child !== launched) throw new Error(`The server exited before it was ready: ${stderr}`);
        ready = await fetch(`${origin}/api/ready`, { signal: AbortSignal.timeout(2_000) }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status === 200;
          },
          () => false,
        );
        if (ready) return performance.now() - started;
        if (Date.now() > deadline) throw new Error(`The server was not ready within 30 s: ${stderr}`);
        await sleep(10);
      }
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}

/** Resolves with `promise`'s value, or with `fallback` if it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Runs one crash scenario against a fresh server and store: `messages` from one person to another, with
 * `kills` SIGKILLs spread over the run, each followed at once by a restart.
 */
export async function runCrashScenario(options: CrashRunOptions): Promise<CrashReport> {
  const { messages: count, kills, log } = options;
  const window = options.window ?? 8;
  const problems: string[] = [];
  const started = performance.now();

  const build = await buildServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-crash-'));
  const schema = options.store === 'postgres' ? await createThrowawaySchema(options.adminUrl, 'crash') : null;
  const port = await freePort();
  const server = serverUnderTest({
    script: build.script,
    port,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      // Kept across restarts, as a real deployment keeps its disk: the SQLite file lives here.
      DATA_DIR: dataDir,
      ...(schema ? { DATABASE_URL: schema.url } : {}),
      // Said outright so every start seals and opens with the same key, whatever the store.
      RINGPOST_SERVER_KEY: formatServerKeys([generateServerKey()]),
      RINGPOST_STATIC_DIR: '',
      RINGPOST_LOG: '0',
      RINGPOST_DECOY_POOL: '0',
      // Sign-up is set-up here: the lowest key stretching the server accepts.
      RINGPOST_PBKDF2_ITERATIONS: String(rules.pbkdf2MinIterations),
      ...OPEN_RATES,
    },
    onUnexpectedExit: (why) => {
      problems.push(why);
      // Started again so the run can finish and report; the problem fails it anyway.
      server.start().catch((error: unknown) => problems.push(`restart failed: ${errorText(error)}`));
    },
  });

  // Held in an object: the recipient's loop sets it, and the clean-up below must see that.
  const open: { stream: EventStream | null } = { stream: null };
  let finished = false;
  /** When the clients stop retrying: a run that cannot finish fails with a report, not a hang. */
  let deadline = Date.now() + Math.max(60_000, count * 30);
  try {
    await server.start();
    const aliceSession = apiSession(server.origin);
    const bobSession = apiSession(server.origin);
    const alice = await createBenchPerson(aliceSession, 'crash-alice', { termsAccepted: true });
    const bob = await createBenchPerson(bobSession, 'crash-bob');
    await joinRings(aliceSession, bobSession, bob.communityName, alice.fingerprint);

    // The outbox: every message made once, with its id, and sent as it is until accepted.
    const outbox = Array.from({ length: count }, () =>
      testEnvelope({
        from: alice.communityName,
        to: bob.communityName,
        fromFingerprint: alice.fingerprint,
        toFingerprint: bob.fingerprint,
        ts: Date.now(),
      }),
    );
    const ours = new Set(outbox.map((envelope) => envelope.id));
    const attempted = new Set<string>();
    const accepted = new Set<string>();
    let resends = 0;
    let inFlight = 0;

    /** The status of one POST, or null when no answer came (refused, reset, cut off by the kill). */
    const post = async (session: ApiSession, path: string, body?: unknown): Promise<number | null> => {
      inFlight += 1;
      try {
        const answer = session.postQuick(path, body).then(
          ({ status }) => status,
          () => null,
        );
        return await within(answer, REQUEST_TIMEOUT_MS, null);
      } finally {
        inFlight -= 1;
      }
    };

    // The recipient. Every read of the server (a stream opened, a pending list asked for) is numbered when
    // it begins; an acknowledgement records the number reached when its 204 came back. A message that
    // arrives on a read numbered higher was handed out after the server had answered its
    // acknowledgement: that is a duplicate. Anything else repeated was offered before the server knew.
    let reads = 0;
    const received = new Map<string, number>();
    const ackedAt = new Map<string, number>();
    const acking = new Map<string, Promise<void>>();
    const duplicated = new Set<string>();
    let rawRepeats = 0;

    const acknowledge = (id: string) => {
      if (acking.has(id)) return;
      const path = `/api/messages/${encodeURIComponent(alice.communityName)}/${encodeURIComponent(id)}/ack`;
      const task = async () => {
        for (let tries = 0; ; tries++) {
          const status = await post(bobSession, path);
          if (status === 204) {
            ackedAt.set(id, reads);
            return;
          }
          if (status !== null && status < 500) {
            problems.push(`the acknowledgement of ${id} answered ${status}`);
            return;
          }
          if (Date.now() > deadline) {
            problems.push(`the acknowledgement of ${id} never got an answer`);
            return;
          }
          await sleep(backoff(tries));
        }
      };
      acking.set(id, task());
    };

    const storeMessage = (message: IncomingMessage, read: number) => {
      const { id } = message.envelope;
      if (!ours.has(id) || message.envelope.from !== alice.communityName) {
        problems.push(`the recipient was given a message nobody sent: ${id}`);
        return;
      }
      const times = (received.get(id) ?? 0) + 1;
      received.set(id, times);
      if (times > 1) {
        const acked = ackedAt.get(id);
        if (acked !== undefined && read > acked) duplicated.add(id);
        else rawRepeats += 1;
      }
      acknowledge(id);
    };

    const onFrame = (frame: SseFrame, read: number) => {
      // An id-only frame (no data) is named `message` by default and carries nothing.
      if (frame.event !== 'message' || frame.data === '') return;
      try {
        const event = serverEventSchema.parse(JSON.parse(frame.data));
        if (event.type === 'message') storeMessage(event.message, read);
      } catch (error) {
        problems.push(`an unreadable message frame: ${errorText(error)}`);
      }
    };

    const readPending = async () => {
      const read = ++reads;
      try {
        const response = await bobSession.get('/api/messages/pending');
        if (response.status !== 200) {
          await response.arrayBuffer();
          return;
        }
        const { messages } = pendingMessagesResponseSchema.parse(await response.json());
        for (const message of messages) storeMessage(message, read);
      } catch {
        // The server is down for a moment; the next poll asks again.
      }
    };

    // The recipient's browser: a push stream, opened again after every break with the last id it had.
    let lastEventId: string | null = null;
    let reconnects = 0;
    const keepStreamOpen = async () => {
      for (let tries = 0; !finished;) {
        const read = ++reads;
        let stream: EventStream;
        try {
          stream = await openEventStream(bobSession, (frame) => onFrame(frame, read), { lastEventId });
        } catch {
          await sleep(backoff(tries++));
          continue;
        }
        // The run ended while this one was opening: nobody would close it.
        if (finished) {
          stream.close();
          break;
        }
        open.stream = stream;
        tries = 0;
        await stream.ended;
        lastEventId = stream.lastEventId();
        if (!finished) reconnects += 1;
      }
    };
    const recipient = keepStreamOpen();

    // The kills, spread over the run: each when another share of the messages has been accepted, and a
    // few milliseconds later, so it lands inside the requests in flight rather than on a 202.
    const inFlightAtKill: number[] = [];
    const recoveryMs: number[] = [];
    const killAt = Array.from({ length: kills }, (_, index) =>
      Math.max(1, Math.round((count * (index + 1)) / (kills + 1))),
    );
    let crashing: Promise<void> = Promise.resolve();
    let busy = false;
    const crash = async (index: number) => {
      await sleep(Math.random() * 20);
      inFlightAtKill.push(inFlight);
      await server.kill();
      const recovered = await server.start();
      recoveryMs.push(recovered);
      log(
        `  kill ${index + 1}/${kills} after ${accepted.size} accepted, ${inFlightAtKill.at(-1)} requests ` +
          `in flight; ready again in ${Math.round(recovered)} ms`,
      );
      busy = false;
    };
    const maybeCrash = () => {
      const threshold = killAt[recoveryMs.length];
      if (busy || threshold === undefined || accepted.size < threshold) return;
      busy = true;
      crashing = crash(recoveryMs.length).catch((error: unknown) => {
        problems.push(`the restart failed: ${errorText(error)}`);
        // Nothing more will be accepted: stop the clients now rather than at the deadline.
        deadline = Date.now();
      });
    };

    // The outbox, several sends at once as a few open tabs would have them.
    let next = 0;
    const sendAll = async () => {
      for (let index = next++; index < outbox.length; index = next++) {
        const envelope = outbox[index];
        if (!envelope) return;
        attempted.add(envelope.id);
        for (let tries = 0; ; tries++) {
          if (tries > 0) resends += 1;
          const status = await post(aliceSession, '/api/messages', { envelope });
          if (status === 202) {
            accepted.add(envelope.id);
            maybeCrash();
            break;
          }
          if (status !== null && status < 500) {
            problems.push(`sending ${envelope.id} answered ${status}`);
            break;
          }
          if (Date.now() > deadline) {
            problems.push(`sending ${envelope.id} never got a 202`);
            break;
          }
          await sleep(backoff(tries));
        }
      }
    };
    await Promise.all(Array.from({ length: window }, sendAll));
    await crashing;
    if (recoveryMs.length < kills) problems.push(`only ${recoveryMs.length} of ${kills} kills happened`);

    // Whatever the stream did not bring, the pending list does, as the browser's sync on reconnect would.
    const settleBy = Date.now() + SETTLE_MS;
    const missing = () => [...accepted].filter((id) => !received.has(id));
    while (missing().length > 0 && Date.now() < settleBy) {
      await sleep(200);
      if (missing().length > 0) await readPending();
    }
    deadline = Math.min(deadline, Date.now() + SETTLE_MS);
    await Promise.all(acking.values());
    // Everything is acknowledged now: the server must not list any of it as waiting again.
    await readPending();
    await Promise.all(acking.values());
    finished = true;
    open.stream?.close();
    await recipient;

    const lost = missing();
    if (lost.length > 0) log(`  never delivered: ${lost.slice(0, 10).join(', ')}`);
    if (duplicated.size > 0)
      log(`  delivered again after their ack: ${[...duplicated].slice(0, 10).join(', ')}`);
    log(`  the stream was opened again ${reconnects} times`);
    return {
      store: options.store,
      sent: attempted.size,
      acknowledgedByServer: accepted.size,
      delivered: received.size,
      lost: lost.length,
      duplicated: duplicated.size,
      rawRepeats,
      resends,
      kills: recoveryMs.length,
      inFlightAtKill,
      recoveryMs,
      maxRecoveryMs: Math.max(0, ...recoveryMs),
      elapsedMs: performance.now() - started,
      problems,
    };
  } finally {
    finished = true;
    open.stream?.close();
    await server.stop();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    build.remove();
  }
}

/** The report on one line, as the test prints it. */
export function formatCrashReport(report: CrashReport): string {
  const ms = (value: number) => `${Math.round(value)} ms`;
  return (
    `crash run (${report.store}): ${report.sent} sent, ${report.acknowledgedByServer} acknowledged by the ` +
    `server (${report.resends} resends), ${report.delivered} delivered, ${report.lost} lost, ` +
    `${report.duplicated} duplicated (${report.rawRepeats} raw repeats); ${report.kills} kills with ` +
    `${report.inFlightAtKill.join('/')} requests in flight, recovery max ${ms(report.maxRecoveryMs)} ` +
    `(${report.recoveryMs.map(ms).join(', ')}); ${(report.elapsedMs / 1000).toFixed(1)} s` +
    (report.problems.length > 0 ? `; problems: ${report.problems.slice(0, 5).join(' | ')}` : '')
  );
}
