import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { webCryptoEnv } from '../src/shared/crypto/crypto-env';
import { fromBase64Url } from '../src/shared/crypto/encoding';
import { sealEnvelope } from '../src/shared/crypto/envelope-v1';
import { importRsaPrivateKeys, importRsaPublicKeys } from '../src/shared/crypto/webcrypto-keys';
import { serverEventSchema } from '../src/shared/protocol/events';
import { apiSession, createBenchPerson, expectStatus, joinRings } from './messaging/api-session';
import {
  BENCH_BUNDLES,
  startServerProcess,
  UNLIMITED_RATES,
  type ServerProcess,
} from './messaging/server-process';
import { openEventStream, type EventStream, type SseFrame } from './messaging/sse-reader';

// DESIGN §2: a message goes from the sender's POST to the recipient's browser over the push channel, and
// the recipient's acknowledgement comes back to the sender as Delivered. This times that whole round trip
// against the real server (compiled, in a child process, over loopback HTTP) on SQLite and on PostgreSQL,
// one message at a time, so each figure is latency and never queueing behind the bench's own messages.
// Sealing a real envelope happens before the clock starts: the browser's crypto is not the server's cost.

export type BenchStore = 'sqlite' | 'postgres';

export interface LatencySeries {
  count: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
}

export type DeliveryLatencyReport =
  | {
      store: BenchStore;
      measured: true;
      /** Messages not counted, sent first so JIT, statement caches and pools are warm. */
      warmup: number;
      /** POST /api/messages until its 202 (the sender's Enqueued). */
      enqueued: LatencySeries;
      /** POST until the `message` event reached the recipient's stream (the server's forward). */
      forwarded: LatencySeries;
      /** POST until the sender's stream said `delivered`, the recipient's ack included. */
      delivered: LatencySeries;
    }
  | { store: BenchStore; measured: false; skipped: string };

export interface DeliveryLatencyOptions {
  messages?: number;
  store: BenchStore;
  /** An admin URL of a PostgreSQL database; the bench works in a throwaway schema of it. */
  databaseUrl?: string;
}

const WARMUP = 20;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** About what a person types in one message; every envelope pads to the same 1,024 bytes anyway. */
const TEXT = 'Landed safely, the train was late but the view over the lake made up for it. See you Sunday?';

/** Nearest-rank quantile. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? Number.NaN;
}

function series(values: readonly number[]): LatencySeries {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianMs: quantile(sorted, 0.5),
    p95Ms: quantile(sorted, 0.95),
    p99Ms: quantile(sorted, 0.99),
  };
}

/** A schema of its own per run (the app uses the default one), reached through the URL's search_path. */
async function throwawaySchema(
  adminUrl: string,
): Promise<{ url: string; drop: () => Promise<void> } | { unreachable: string }> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    return { unreachable: error instanceof Error ? error.message : String(error) };
  }
  await admin.end();
  const separator = adminUrl.includes('?') ? '&' : '?';
  return {
    url: `${adminUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
      await dropper.end();
    },
  };
}

/** The frame's event, or null for anything else (a keep-alive, an id-only frame, a frame cut short). */
function eventOf(frame: SseFrame) {
  let data: unknown;
  try {
    data = JSON.parse(frame.data);
  } catch {
    return null;
  }
  const parsed = serverEventSchema.safeParse({ type: frame.event, ...(data as object) });
  return parsed.success ? parsed.data : null;
}

async function measure(server: ServerProcess, messages: number) {
  const alice = apiSession(server.origin);
  const bob = apiSession(server.origin);
  const alicePerson = await createBenchPerson(alice, 'alice', { termsAccepted: true });
  const bobPerson = await createBenchPerson(bob, 'bob');
  await joinRings(alice, bob, bobPerson.communityName, alicePerson.fingerprint);

  const env = webCryptoEnv(crypto);
  const { signKey } = await importRsaPrivateKeys(env, alicePerson.pkcs8);
  const aliceKeys = await importRsaPublicKeys(env, fromBase64Url(alicePerson.publicKey));
  const bobKeys = await importRsaPublicKeys(env, fromBase64Url(bobPerson.publicKey));

  const streams: EventStream[] = [];
  try {
    const aliceStream = await openEventStream(alice);
    streams.push(aliceStream);
    const bobStream = await openEventStream(bob);
    streams.push(bobStream);

    const enqueued: number[] = [];
    const forwarded: number[] = [];
    const delivered: number[] = [];
    for (let i = 0; i < WARMUP + messages; i++) {
      const envelope = await sealEnvelope(env, {
        from: alicePerson.communityName,
        to: bobPerson.communityName,
        ts: Date.now(),
        text: TEXT,
        senderSignKey: signKey,
        senderPublicKey: aliceKeys.encryptKey,
        recipientPublicKey: bobKeys.encryptKey,
        senderFingerprint: alicePerson.fingerprint,
        recipientFingerprint: bobPerson.fingerprint,
      });
      // Both waits are registered before the send: the event may well beat the 202 to the client.
      const received = bobStream.waitFor((frame) => {
        const event = frame.event === 'message' ? eventOf(frame) : null;
        return event?.type === 'message' && event.message.envelope.id === envelope.id;
      });
      const done = aliceStream.waitFor((frame) => {
        const event = frame.event === 'message.status' ? eventOf(frame) : null;
        return (
          event?.type === 'message.status' &&
          event.update.id === envelope.id &&
          event.update.status === 'delivered'
        );
      });

      const started = performance.now();
      const sent = alice.post('/api/messages', { envelope }).then(async (response) => {
        await expectStatus(response, 202, 'Sending');
        return performance.now();
      });
      // Bob's browser acknowledges as soon as the message is in, as the client does once it has stored it.
      const acked = received.then(async () => {
        const at = performance.now();
        const ack = `/api/messages/${encodeURIComponent(envelope.from)}/${envelope.id}/ack`;
        await expectStatus(await bob.post(ack), 204, 'Acknowledging');
        return at;
      });
      const [sentAt, receivedAt, deliveredAt] = await Promise.all([
        sent,
        acked,
        done.then(() => performance.now()),
      ]);
      if (i < WARMUP) continue;
      enqueued.push(sentAt - started);
      forwarded.push(receivedAt - started);
      delivered.push(deliveredAt - started);
    }
    return { enqueued: series(enqueued), forwarded: series(forwarded), delivered: series(delivered) };
  } finally {
    for (const stream of streams) stream.close();
  }
}

export async function runDeliveryLatencyBench({
  messages = 300,
  store,
  databaseUrl = DEFAULT_DATABASE_URL,
}: DeliveryLatencyOptions): Promise<DeliveryLatencyReport> {
  let schema: { url: string; drop: () => Promise<void> } | null = null;
  if (store === 'postgres') {
    const made = await throwawaySchema(databaseUrl);
    if ('unreachable' in made) {
      return { store, measured: false, skipped: `PostgreSQL unreachable (${made.unreachable})` };
    }
    schema = made;
  }
  try {
    const server = await startServerProcess({
      script: BENCH_BUNDLES.ringpost,
      healthPath: '/api/health',
      env: {
        ...UNLIMITED_RATES,
        ...(schema ? { DATABASE_URL: schema.url } : {}),
        RINGPOST_STATIC_DIR: '',
        RINGPOST_LOG: '0',
        // No decoy keys made in the background: their RSA generation would share the CPU with the
        // requests being timed, and this bench never looks a name up.
        RINGPOST_DECOY_POOL: '0',
      },
    });
    try {
      return { store, measured: true, warmup: WARMUP, ...(await measure(server, messages)) };
    } finally {
      await server.stop();
    }
  } finally {
    await schema?.drop();
  }
}

export interface DeliveryLatencyRow {
  store: BenchStore;
  stage: string;
  count: number | string;
  medianMs: string;
  p95Ms: string;
  p99Ms: string;
}

/** Rows for console.table: one per stage, or a single row saying why the store was skipped. */
export function formatDeliveryLatency(report: DeliveryLatencyReport): DeliveryLatencyRow[] {
  if (!report.measured) {
    return [
      {
        store: report.store,
        stage: `skipped: ${report.skipped}`,
        count: 0,
        medianMs: '',
        p95Ms: '',
        p99Ms: '',
      },
    ];
  }
  const stages = [
    ['POST → 202 (Enqueued)', report.enqueued],
    ['POST → recipient has it', report.forwarded],
    ['POST → sender sees Delivered', report.delivered],
  ] as const;
  return stages.map(([stage, figures]) => ({
    store: report.store,
    stage,
    count: figures.count,
    medianMs: figures.medianMs.toFixed(2),
    p95Ms: figures.p95Ms.toFixed(2),
    p99Ms: figures.p99Ms.toFixed(2),
  }));
}
