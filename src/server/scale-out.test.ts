import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../shared/protocol/errors';
import { defaultConfig, type Config } from './config';
import { memoryLogger } from './log';
import { generateServerKey } from './server-keys';
import { startServer, type RunningServer } from './server';
import { testEnvelope } from './testing/envelopes';
import {
  apiSession,
  createBenchPerson,
  expectStatus,
  joinRings,
  type ApiSession,
} from './testing/http-session';
import { createThrowawaySchema } from './testing/pg-schema';
import { openEventStream, type EventStream, type SseFrame } from './testing/sse-reader';

// Several instances of the real server over one real PostgreSQL (DESIGN §3), each on its own socket, as a
// load balancer would see them. Nothing is shared between them but the database and the server key.

const url = process.env.TEST_DATABASE_URL;

async function admin<T>(task: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

const OPEN_RATES = { limit: 100_000, windowMs: 60 * 60_000 };

/** Sign-up and sign-in from one address many times over; every other limit as it ships. */
const openRates = (): Config['rateLimits'] => ({
  ...defaultConfig().rateLimits,
  signUpPerAddress: OPEN_RATES,
  signInPerAddress: OPEN_RATES,
  claimNamePerAddress: OPEN_RATES,
});

function instanceConfig(databaseUrl: string, overrides: Partial<Config> = {}): Config {
  return defaultConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'ringpost-instance-')),
    staticDir: null,
    databaseUrl,
    log: false,
    decoyPoolSize: 0,
    pushSweepMs: 300,
    rateLimits: openRates(),
    ...overrides,
  });
}

/** Two instances on a fresh schema, and everything needed to stop them and drop it. */
async function twoInstances(overrides: Partial<Config> = {}) {
  const schema = await createThrowawaySchema(url ?? '', 'scale');
  const serverKeys = [generateServerKey()];
  const configs = [0, 1].map(() => instanceConfig(schema.url, { serverKeys, ...overrides }));
  const logs = configs.map(() => memoryLogger());
  // One after the other: the first runs the migrations, the second finds them done.
  const servers: RunningServer[] = [];
  for (const [index, config] of configs.entries()) {
    servers.push(await startServer(config, { log: logs[index]?.log }));
  }
  const [a, b] = servers as [RunningServer, RunningServer];
  return {
    a,
    b,
    logs,
    origin: (server: RunningServer) => `http://127.0.0.1:${server.port}`,
    async stop() {
      await Promise.all(servers.map((server) => server.shutdown()));
      for (const config of configs) rmSync(config.dataDir, { recursive: true, force: true });
      await schema.drop();
    },
  };
}

type Instances = Awaited<ReturnType<typeof twoInstances>>;

interface Person {
  session: ApiSession;
  communityName: string;
  fingerprint: string;
}

/** alice on `alice`'s instance and bob on `bob`'s, in each other's Ring; the invite itself crosses over. */
async function membersAcross(
  aliceOrigin: string,
  bobOrigin: string,
): Promise<{ alice: Person; bob: Person }> {
  const aliceSession = apiSession(aliceOrigin);
  const bobSession = apiSession(bobOrigin);
  const alice = await createBenchPerson(aliceSession, 'alice', { termsAccepted: true });
  const bob = await createBenchPerson(bobSession, 'bob');
  await joinRings(aliceSession, bobSession, bob.communityName, alice.fingerprint);
  return {
    alice: { session: aliceSession, communityName: alice.communityName, fingerprint: alice.fingerprint },
    bob: { session: bobSession, communityName: bob.communityName, fingerprint: bob.fingerprint },
  };
}

function frameData(frame: SseFrame): Record<string, unknown> {
  // An id-only frame (no data) moves Last-Event-ID on and carries nothing.
  return frame.data === '' ? {} : (JSON.parse(frame.data) as Record<string, unknown>);
}

function messageIdOf(frame: SseFrame): string | null {
  if (frame.event !== 'message') return null;
  const message = frameData(frame).message as { envelope?: { id?: string } } | undefined;
  return message?.envelope?.id ?? null;
}

function deliveredIdOf(frame: SseFrame): string | null {
  if (frame.event !== 'message.status') return null;
  const update = frameData(frame).update as { id?: string; status?: string } | undefined;
  return update?.status === 'delivered' ? (update.id ?? null) : null;
}

async function send(from: Person, to: Person, id?: string): Promise<string> {
  const envelope = testEnvelope({
    from: from.communityName,
    to: to.communityName,
    fromFingerprint: from.fingerprint,
    toFingerprint: to.fingerprint,
    ...(id ? { id } : {}),
  });
  await expectStatus(await from.session.post('/api/messages', { envelope }), 202, 'Sending');
  return envelope.id;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!url)('two instances on one PostgreSQL', () => {
  let instances: Instances;
  const streams: EventStream[] = [];

  beforeAll(async () => {
    instances = await twoInstances({
      rateLimits: { ...openRates(), sendsPerAccount: { limit: 40, windowMs: 60 * 60_000 } },
    });
  }, 60_000);
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await instances.stop();
  }, 30_000);

  it('answers ready on both, and each has its own listening connection', async () => {
    for (const server of [instances.a, instances.b]) {
      const ready = await fetch(`${instances.origin(server)}/api/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    }
    expect(instances.a.listenerPid()).not.toBeNull();
    expect(instances.a.listenerPid()).not.toBe(instances.b.listenerPid());
  });

  it("pushes alice's message to bob on the other instance at once, and bob's acknowledgement back to her", async () => {
    const { alice, bob } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const aliceStream = await openEventStream(alice.session);
    const bobStream = await openEventStream(bob.session);
    streams.push(aliceStream, bobStream);
    for (let round = 0; round < 5; round++) {
      const arrived = bobStream.waitFor((frame) => messageIdOf(frame) !== null, 5_000);
      const id = await send(alice, bob);
      expect(messageIdOf(await arrived)).toBe(id);
      const delivered = aliceStream.waitFor((frame) => deliveredIdOf(frame) === id, 5_000);
      await expectStatus(
        await bob.session.post(`/api/messages/${encodeURIComponent(alice.communityName)}/${id}/ack`),
        204,
        'Acknowledging',
      );
      await delivered;
    }
  });

  it('gives bob, on both instances at once, every message of two senders on two instances in one order', async () => {
    const { alice, bob } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const carolSession = apiSession(instances.origin(instances.b));
    const carolMade = await createBenchPerson(carolSession, 'carol', { termsAccepted: true });
    await joinRings(carolSession, bob.session, bob.communityName, carolMade.fingerprint);
    const carol = {
      session: carolSession,
      communityName: carolMade.communityName,
      fingerprint: carolMade.fingerprint,
    };
    const seen = [instances.a, instances.b].map(() => ({ ids: [] as string[], seqs: [] as number[] }));
    for (const [index, server] of [instances.a, instances.b].entries()) {
      const stream = await openEventStream(bob.session.at(instances.origin(server)), (frame) => {
        const id = messageIdOf(frame);
        if (!id || frame.id === null) return;
        seen[index]?.ids.push(id);
        seen[index]?.seqs.push(Number(frame.id));
      });
      streams.push(stream);
    }
    const sent = await Promise.all(
      [alice, carol].map(async (sender) => {
        const ids: string[] = [];
        for (let k = 0; k < 15; k++) ids.push(await send(sender, bob));
        return ids;
      }),
    );
    const all = sent.flat();
    await until(() => seen.every(({ ids }) => ids.length >= all.length), 'every message on both streams');
    await sleep(300);
    for (const { ids, seqs } of seen) {
      expect([...ids].sort()).toEqual([...all].sort());
      // Numbers only go up: no event was pushed ahead of an older one.
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    expect(seen[0]?.ids).toEqual(seen[1]?.ids);
  });

  it('gives an unknown name the same decoy key on either instance, as it does a real one', async () => {
    const { alice } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const aliceOnB = alice.session.at(instances.origin(instances.b));
    const unknown = `nobody.${randomBytes(4).toString('hex')}`;
    const entries = [];
    // Asked at once on both, so each instance may be the first to give the name its decoy.
    const answers = await Promise.all(
      [alice.session, aliceOnB, alice.session, aliceOnB].map((session) =>
        session.post('/api/directory/lookup', { communityName: unknown }),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      entries.push(((await answer.json()) as { entry: { publicKey: string } }).entry.publicKey);
    }
    expect(new Set(entries).size).toBe(1);
  });

  it('holds one send limit across both instances', async () => {
    const { alice, bob } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const aliceOnB = alice.session.at(instances.origin(instances.b));
    const envelope = () =>
      testEnvelope({ from: alice.communityName, to: bob.communityName, fromFingerprint: alice.fingerprint });
    const statuses: number[] = [];
    for (let sent = 0; sent < 44; sent++) {
      const session = sent % 2 === 0 ? alice.session : aliceOnB;
      const response = await session.post('/api/messages', { envelope: envelope() });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get('Retry-After')).toMatch(/^\d+$/);
        expect(errorBodySchema.parse(await response.json()).error.code).toBe('rate_limited');
      } else await response.arrayBuffer();
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(40);
    expect(statuses.slice(40)).toEqual([429, 429, 429, 429]);
  });

  it('ends the streams of a signed-out session on the other instance too', async () => {
    const { alice } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const onB = await openEventStream(alice.session.at(instances.origin(instances.b)));
    streams.push(onB);
    const signedOut = await fetch(`${alice.session.origin}/api/session`, {
      method: 'DELETE',
      headers: { Cookie: alice.session.cookie ?? '', 'X-Ringpost-Request': '1' },
    });
    expect(signedOut.status).toBe(204);
    await expect(Promise.race([onB.ended.then(() => 'ended'), sleep(5_000)])).resolves.toBe('ended');
  });

  it('loses nothing when the listening connection is cut mid-stream, and resumes within the sweep', async () => {
    const { alice, bob } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const received: string[] = [];
    const bobStream = await openEventStream(bob.session, (frame) => {
      const id = messageIdOf(frame);
      if (id) received.push(id);
    });
    streams.push(bobStream);
    const sent: string[] = [];
    for (let k = 0; k < 5; k++) sent.push(await send(alice, bob));
    await until(() => received.length === 5, 'the first messages');

    const pid = instances.b.listenerPid();
    expect(pid).not.toBeNull();
    await admin((client) => client.query('select pg_terminate_backend($1)', [pid]));
    // Sent while bob's instance hears nothing: their notifications are lost to it.
    for (let k = 0; k < 10; k++) sent.push(await send(alice, bob));
    await until(() => received.length >= sent.length, 'the messages sent while the connection was down');
    await until(() => instances.b.listenerPid() !== null && instances.b.listenerPid() !== pid, 'a new one');
    for (let k = 0; k < 5; k++) sent.push(await send(alice, bob));
    await until(() => received.length >= sent.length, 'the messages after the reconnect');
    await sleep(500);
    expect(received).toEqual(sent);
    const logged = instances.logs[1]?.lines ?? [];
    expect(logged.some((line) => line.msg === 'PostgreSQL listening connection lost')).toBe(true);
  }, 30_000);

  it('resumes from Last-Event-ID on the other instance with every event once', async () => {
    const { alice, bob } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const firstHalf: string[] = [];
    const onB = await openEventStream(bob.session, (frame) => {
      const id = messageIdOf(frame);
      if (id) firstHalf.push(id);
    });
    const sent: string[] = [];
    for (let k = 0; k < 5; k++) sent.push(await send(alice, bob));
    await until(() => firstHalf.length === 5, 'the first messages');
    for (const id of firstHalf) {
      await expectStatus(
        await bob.session.post(`/api/messages/${encodeURIComponent(alice.communityName)}/${id}/ack`),
        204,
        'Acknowledging',
      );
    }
    const lastEventId = onB.lastEventId();
    onB.close();
    for (let k = 0; k < 5; k++) sent.push(await send(alice, bob));
    const secondHalf: string[] = [];
    const onA = await openEventStream(
      bob.session.at(instances.origin(instances.a)),
      (frame) => {
        const id = messageIdOf(frame);
        if (id) secondHalf.push(id);
      },
      { lastEventId },
    );
    streams.push(onA);
    await until(() => secondHalf.length >= 5, 'the rest on the other instance');
    await sleep(300);
    expect([...firstHalf, ...secondHalf]).toEqual(sent);
  });
});

describe.skipIf(!url)('jobs on two instances', () => {
  let instances: Instances;
  beforeAll(async () => {
    instances = await twoInstances({ holdMs: 1_000 });
  }, 60_000);
  afterAll(async () => {
    await instances.stop();
  }, 30_000);

  it('runs a sweep once when both start it at the same moment, and each message fails once', async () => {
    const { alice, bob } = await membersAcross(instances.origin(instances.a), instances.origin(instances.b));
    const errors: string[] = [];
    const aliceStream = await openEventStream(alice.session, (frame) => {
      if (frame.event !== 'message.status') return;
      const update = frameData(frame).update as { id: string; status: string };
      if (update.status === 'error') errors.push(update.id);
    });
    const sent: string[] = [];
    for (let k = 0; k < 12; k++) sent.push(await send(alice, bob));
    await sleep(1_100);
    const ran = await Promise.all([instances.a.runJob('message-hold'), instances.b.runJob('message-hold')]);
    // Whichever got the lock ran; the other found it held and did nothing (or came after, to nothing).
    expect(ran.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    await until(() => errors.length >= sent.length, 'the failures');
    await Promise.all([instances.a.runJob('message-hold'), instances.b.runJob('message-hold')]);
    await sleep(300);
    aliceStream.close();
    expect([...errors].sort()).toEqual([...sent].sort());
  }, 30_000);
});

function sleep(ms: number): Promise<'slept'> {
  return new Promise((resolve) => setTimeout(() => resolve('slept'), ms));
}
