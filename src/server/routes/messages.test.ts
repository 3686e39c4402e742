import { describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../shared/protocol/errors';
import {
  pendingMessagesResponseSchema,
  sendMessageResponseSchema,
  type EnvelopeV1,
} from '../../shared/protocol/messages';
import { inviteResponseSchema, TERMS_VERSION } from '../../shared/protocol/ring';
import { HOUR } from '../../shared/rules';
import { defaultConfig } from '../config';
import { generateServerKey, messageAad, serverKeyring } from '../server-keys';
import { messagingApp } from '../testing/messaging';
import { uniqueName } from '../testing/store-fixtures';
import {
  apiClient,
  createTestApp,
  namedUser,
  observedAnswer,
  signUpBody,
  storeTargets,
  useTestStore,
  type NamedUser,
} from '../testing/test-app';

interface Frame {
  id: string | null;
  event: string | null;
  data: string | null;
}

/** Reads an SSE body frame by frame (comments and the retry hint are skipped). */
function frameReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let pending: ReturnType<typeof reader.read> | null = null;
  const frames: Frame[] = [];
  return {
    /** Every frame that arrived so far (waits until nothing more comes for a moment). */
    async read(): Promise<Frame[]> {
      for (;;) {
        pending ??= reader.read();
        const next = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
        if (!next || next.done) break;
        pending = null;
        text += next.value;
      }
      let end = text.indexOf('\n\n');
      while (end >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        end = text.indexOf('\n\n');
        const field = (name: string) =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2) ?? null;
        if (field('id') === null && field('data') === null) continue;
        frames.push({ id: field('id'), event: field('event'), data: field('data') });
      }
      return frames.splice(0);
    },
    close: () => reader.cancel(),
  };
}

describe.each(storeTargets())('messages on $kind', (target) => {
  const store = useTestStore(target);

  function setUp(overrides: Parameters<typeof createTestApp>[1] = {}) {
    const testApp = messagingApp(store(), overrides);
    const openStream = async (user: NamedUser, lastEventId?: string) => {
      const response = await user.client.get(
        '/api/events',
        lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId },
      );
      expect(response.status).toBe(200);
      if (!response.body) throw new Error('The stream has no body.');
      return frameReader(response.body);
    };
    return { ...testApp, openStream };
  }

  it('delivers to a Ring member: 202 enqueued, pushed, pending until acknowledged, then delivered', async () => {
    const { members, listen, envelope, send, pending, clock } = setUp();
    const { alice, bob } = await members();
    const told = listen(alice, bob);
    const env = envelope(alice, bob.communityName);
    const response = await send(alice, env);
    expect(response.status).toBe(202);
    expect(sendMessageResponseSchema.parse(await response.json())).toEqual({
      message: { id: env.id, status: 'enqueued', acceptedAt: clock.now() },
    });
    expect(told(bob)).toEqual([{ type: 'message', message: { envelope: env, acceptedAt: clock.now() } }]);
    expect(await pending(bob)).toEqual([{ envelope: env, acceptedAt: clock.now() }]);
    expect(await pending(alice)).toEqual([]);

    await clock.advance(5_000);
    expect((await bob.client.post(`/api/messages/${alice.communityName}/${env.id}/ack`)).status).toBe(204);
    expect(told(alice)).toEqual([
      {
        type: 'message.status',
        update: { id: env.id, to: bob.communityName, status: 'delivered', at: clock.now(), reason: null },
      },
    ]);
    expect(await pending(bob)).toEqual([]);
    // A second ack is answered alike and tells nobody again.
    expect((await bob.client.post(`/api/messages/${alice.communityName}/${env.id}/ack`)).status).toBe(204);
    expect(told(alice)).toHaveLength(1);
  });

  it('lets only the recipient acknowledge, answering everyone else with one 404', async () => {
    const { members, person, listen, envelope, send } = setUp();
    const { alice, bob } = await members();
    const carol = await person('carol');
    const env = envelope(alice, bob.communityName);
    expect((await send(alice, env)).status).toBe(202);
    const told = listen(alice);
    const notFound = { code: 'not_found', message: 'There is no such message.' };
    for (const [label, who, path] of [
      ['a stranger', carol, `/api/messages/${alice.communityName}/${env.id}/ack`],
      ['the sender', alice, `/api/messages/${alice.communityName}/${env.id}/ack`],
      ['the wrong sender', bob, `/api/messages/${carol.communityName}/${env.id}/ack`],
      ['an unknown id', bob, `/api/messages/${alice.communityName}/${'B'.repeat(22)}/ack`],
      ['a malformed id', bob, `/api/messages/${alice.communityName}/nope/ack`],
      ['a malformed name', bob, `/api/messages/%20x/${env.id}/ack`],
    ] as const) {
      const response = await who.client.post(path);
      expect(response.status, label).toBe(404);
      expect(errorBodySchema.parse(await response.json()).error, label).toEqual(notFound);
    }
    expect(told(alice)).toEqual([]);
    expect((await bob.client.post(`/api/messages/${alice.communityName}/${env.id}/ack`)).status).toBe(204);
  });

  it('is idempotent on the id: sequential and concurrent repeats store one row and give the first answer', async () => {
    const { members, listen, envelope, send, pending, clock, deps } = setUp();
    const { alice, bob } = await members();
    const told = listen(bob);
    const env = envelope(alice, bob.communityName);
    const first = await (await send(alice, env)).json();
    await clock.advance(1_000);
    const again = await send(alice, { ...env, ts: env.ts + 1 });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(first);

    const racing = envelope(alice, bob.communityName);
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const response = await send(alice, racing);
        expect(response.status).toBe(202);
        return await response.json();
      }),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    const rows = await deps.store.db
      .selectFrom('messages')
      .select('id')
      .where('sender_id', '=', alice.id)
      .execute();
    expect(rows.map((row) => row.id).sort()).toEqual([env.id, racing.id].sort());
    expect(told(bob).map((event) => event.type)).toEqual(['message', 'message']);
    expect((await pending(bob)).map((message) => message.envelope.id)).toEqual([env.id, racing.id]);
  });

  it('accepts and silently drops a message outside the Ring, to an unknown name or to a decoy, alike', async () => {
    const { members, person, listen, envelope, send, pending, deps } = setUp();
    const { alice, bob } = await members();
    const stranger = await person('strgr');
    const decoy = uniqueName('decoy');
    const looked = await alice.client.post('/api/directory/lookup', { communityName: decoy });
    expect(looked.status).toBe(200);
    const told = listen(bob, stranger);
    const cases = {
      member: bob.communityName,
      outsideRing: stranger.communityName,
      unknown: uniqueName('unkno'),
      decoy,
      self: alice.communityName,
    };
    const answers: Record<string, Awaited<ReturnType<typeof observedAnswer>>> = {};
    for (const [label, to] of Object.entries(cases)) {
      const env = envelope(alice, to);
      answers[label] = await observedAnswer(await send(alice, env), (body) => body.replace(env.id, '<id>'));
    }
    const expected = answers.member;
    expect(expected?.status).toBe(202);
    for (const [label, answer] of Object.entries(answers)) expect(answer, label).toEqual(expected);
    expect(told(bob).map((event) => event.type)).toEqual(['message']);
    expect(told(stranger)).toEqual([]);
    expect(await pending(stranger)).toEqual([]);
    // Stored all the same (a repeat gets the first answer), with nobody to deliver to.
    const dropped = await deps.store.db
      .selectFrom('messages')
      .select(['recipient_name', 'recipient_id'])
      .where('sender_id', '=', alice.id)
      .where('recipient_id', 'is', null)
      .execute();
    expect(dropped.map((row) => row.recipient_name).sort()).toEqual(
      [cases.outsideRing, cases.unknown, cases.decoy, cases.self].sort(),
    );
  });

  it('lets both sides of a pending invite exchange verification messages, but not after a decline', async () => {
    const { person, listen, envelope, send, pending, deps } = setUp();
    const alice = await person('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    await alice.client.post('/api/ring/terms', { version: TERMS_VERSION });
    await alice.client.post('/api/ring/invites', { communityName: bob.communityName });
    const toCarol = await alice.client.post('/api/ring/invites', { communityName: carol.communityName });
    const { id } = inviteResponseSchema.parse(await toCarol.json()).invite;
    expect((await carol.client.post(`/api/ring/invites/${id}/decline`)).status).toBe(204);
    await deps.tasks.idle();
    const told = listen(alice, bob, carol);

    expect((await send(alice, envelope(alice, bob.communityName))).status).toBe(202);
    expect((await send(bob, envelope(bob, alice.communityName))).status).toBe(202);
    expect(await pending(bob)).toHaveLength(1);
    expect(await pending(alice)).toHaveLength(1);
    expect((await send(alice, envelope(alice, carol.communityName))).status).toBe(202);
    expect((await send(carol, envelope(carol, alice.communityName))).status).toBe(202);
    expect(await pending(carol)).toEqual([]);
    expect(told(carol)).toEqual([]);
    expect(told(alice).map((event) => event.type)).toEqual(['message']);
  });

  it('checks the sender: signed in, a community name, its own name and key in the envelope', async () => {
    const { members, person, envelope, send, app, client } = setUp();
    const { alice, bob } = await members();
    const env = envelope(alice, bob.communityName);
    const anonymous = apiClient(app);
    expect((await anonymous.post('/api/messages', { envelope: env })).status).toBe(401);
    expect((await anonymous.get('/api/messages/pending')).status).toBe(401);
    expect((await anonymous.post(`/api/messages/${alice.communityName}/${env.id}/ack`)).status).toBe(401);

    await client.post('/api/accounts', signUpBody(uniqueName('nameless')));
    const nameless = await client.post('/api/messages', { envelope: env });
    expect(nameless.status).toBe(409);
    expect(errorBodySchema.parse(await nameless.json()).error).toEqual({
      code: 'name_required',
      message: 'Choose your community name in Settings before sending.',
    });

    const carol = await person('carol');
    const asAlice = await send(carol, env);
    expect(asAlice.status).toBe(400);
    expect(errorBodySchema.parse(await asAlice.json()).error.message).toBe(
      'envelope.from: The sender must be your own community name.',
    );
    const otherKey = await send(alice, { ...env, kid: { ...env.kid, from: carol.fingerprint } });
    expect(otherKey.status).toBe(400);
    expect(errorBodySchema.parse(await otherKey.json()).error.message).toMatch(/^envelope\.kid\.from: /);
    const malformed = await send(alice, { ...env, ct: 'short' });
    expect(malformed.status).toBe(400);
    expect(errorBodySchema.parse(await malformed.json()).error.code).toBe('invalid_request');
  });

  it('refuses a body over the limit with 413', async () => {
    const { members, envelope } = setUp({ bodyLimitBytes: 4096 });
    const { alice, bob } = await members();
    const env = envelope(alice, bob.communityName);
    const response = await alice.client.post('/api/messages', { envelope: env, padding: 'x'.repeat(5000) });
    expect(response.status).toBe(413);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe('payload_too_large');
  });

  it('rate-limits sends per account with 429 and Retry-After', async () => {
    const { members, envelope, send, clock } = setUp({
      rateLimits: { ...defaultConfig().rateLimits, sendsPerAccount: { limit: 2, windowMs: 60_000 } },
    });
    const { alice, bob } = await members();
    expect((await send(alice, envelope(alice, bob.communityName))).status).toBe(202);
    expect((await send(alice, envelope(alice, bob.communityName))).status).toBe(202);
    const limited = await send(alice, envelope(alice, bob.communityName));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    expect((await send(bob, envelope(bob, alice.communityName))).status).toBe(202);
    await clock.advance(60_000);
    expect((await send(alice, envelope(alice, bob.communityName))).status).toBe(202);
  });

  it('keeps no envelope bytes in the clear, and a wrong key or another row cannot open the sealed value', async () => {
    const { members, envelope, send, deps } = setUp();
    const { alice, bob } = await members();
    const env = envelope(alice, bob.communityName);
    expect((await send(alice, env)).status).toBe(202);
    const row = await deps.store.db
      .selectFrom('messages')
      .selectAll()
      .where('sender_id', '=', alice.id)
      .where('id', '=', env.id)
      .executeTakeFirstOrThrow();
    const raw = JSON.stringify(row);
    for (const secret of [env.ct, env.sig, env.wk.to, env.wk.from, env.iv, env.ct.slice(100, 140)]) {
      expect(raw).not.toContain(secret);
    }
    const events = await deps.store.db
      .selectFrom('events')
      .selectAll()
      .where('account_id', '=', bob.id)
      .execute();
    expect(JSON.stringify(events)).not.toContain(env.ct.slice(0, 40));
    const sealed = { sealed: row.sealed, keyVersion: row.key_version };
    expect(JSON.parse(deps.keyring.open(sealed, messageAad(alice.id, env.id)))).toEqual(env);
    expect(() => deps.keyring.open(sealed, messageAad(bob.id, env.id))).toThrow();
    const otherKey = serverKeyring([{ ...generateServerKey(), version: row.key_version }]);
    expect(() => otherKey.open(sealed, messageAad(alice.id, env.id))).toThrow();
  });

  it('reads rows sealed under an older key after the key is rotated', async () => {
    const v1 = generateServerKey(1);
    const before = setUp({ serverKeys: [v1] });
    const { alice, bob } = await before.members();
    const env = before.envelope(alice, bob.communityName);
    expect((await before.send(alice, env)).status).toBe(202);
    const after = createTestApp(store(), { serverKeys: [v1, generateServerKey(2)] });
    const bobAfter = apiClient(after.app, bob.client.cookie);
    const listed = pendingMessagesResponseSchema.parse(
      await (await bobAfter.get('/api/messages/pending')).json(),
    );
    expect(listed.messages.map((message) => message.envelope)).toEqual([env]);
    expect(after.deps.keyring.currentVersion).toBe(2);
  });

  it('resumes the push channel from Last-Event-ID with nothing lost and nothing repeated', async () => {
    const { members, envelope, send, openStream, clock } = setUp();
    const { alice, bob } = await members();
    const ack = async (env: EnvelopeV1) =>
      expect((await bob.client.post(`/api/messages/${alice.communityName}/${env.id}/ack`)).status).toBe(204);
    const first = await openStream(bob);
    const m1 = envelope(alice, bob.communityName);
    await send(alice, m1);
    const seen = await first.read();
    // A fresh stream starts with an id-only frame: the current head.
    expect(seen.map((frame) => frame.event)).toEqual([null, 'message']);
    const lastId = seen.at(-1)?.id ?? '';
    expect(lastId).toMatch(/^\d+$/);
    await ack(m1);
    await first.close();

    // While bob is away: two messages and a change to his Ring.
    const m2 = envelope(alice, bob.communityName);
    const m3 = envelope(alice, bob.communityName);
    await send(alice, m2);
    await clock.advance(1_000);
    await send(alice, m3);
    expect(
      (
        await bob.client.put('/api/ring/pins', {
          blob: { v: 1, iv: 'A'.repeat(16), ct: 'B'.repeat(32) },
          baseVersion: 0,
        })
      ).status,
    ).toBe(200);

    const resumed = await openStream(bob, lastId);
    // Sent while the backlog is read: it comes once, among the waiting messages or after the backlog.
    const m4 = envelope(alice, bob.communityName);
    const [, replayed] = await Promise.all([send(alice, m4), resumed.read()]);
    const more = await resumed.read();
    const frames = [...replayed, ...more];
    const ids = frames.flatMap((frame) => (frame.id === null ? [] : [Number(frame.id)]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id > Number(lastId))).toBe(true);
    const messages = frames
      .filter((frame) => frame.event === 'message')
      .map(
        (frame) =>
          (JSON.parse(frame.data ?? '') as { message: { envelope: EnvelopeV1 } }).message.envelope.id,
      );
    // The waiting ones first, in the order they were sent; m1, acknowledged, not again.
    expect(messages).toEqual([m2.id, m3.id, m4.id]);
    expect(frames.filter((frame) => frame.event === 'ring.updated')).toHaveLength(1);
    await resumed.close();

    // The query parameter works as the header does; an id at the head sends nothing old.
    for (const message of [m2, m3, m4]) await ack(message);
    const head = String(Math.max(...ids));
    const byQuery = await bob.client.get(`/api/events?lastEventId=${head}`);
    const quiet = frameReader(byQuery.body ?? new ReadableStream());
    expect(await quiet.read()).toEqual([]);
    await quiet.close();
  });

  it('offers again on resume a message the browser saw but never acknowledged', async () => {
    const { members, envelope, send, openStream } = setUp();
    const { alice, bob } = await members();
    const first = await openStream(bob);
    const unstored = envelope(alice, bob.communityName);
    await send(alice, unstored);
    const seen = await first.read();
    const lastId = seen.at(-1)?.id ?? '';
    // The tab closed after the frame arrived (its Last-Event-ID moved) but before it stored and acknowledged.
    await first.close();
    const resumed = await openStream(bob, lastId);
    const frames = await resumed.read();
    expect(frames.filter((frame) => frame.event === 'message')).toEqual([
      expect.objectContaining({ id: null, data: expect.stringContaining(unstored.id) as string }),
    ]);
    await resumed.close();
  });

  it('starts afresh from a Last-Event-ID past the end of the log, rather than drop what comes next', async () => {
    const { members, envelope, send, openStream } = setUp();
    const { alice, bob } = await members();
    // As after the server's database was restored from an older backup: the browser is ahead of the log.
    const stream = await openStream(bob, '999999');
    const first = await stream.read();
    const head = Number(first.at(-1)?.id);
    expect(head).toBeLessThan(999_999);
    const next = envelope(alice, bob.communityName);
    await send(alice, next);
    const live = await stream.read();
    expect(live.map((frame) => frame.event)).toEqual(['message']);
    expect(Number(live[0]?.id)).toBeGreaterThan(head);
    await stream.close();
  });

  it('starts a fresh stream with the messages still waiting, then resumes from the current id', async () => {
    const { members, envelope, send, openStream } = setUp();
    const { alice, bob } = await members();
    const waiting = envelope(alice, bob.communityName);
    await send(alice, waiting);
    const stream = await openStream(bob);
    const frames = await stream.read();
    expect(frames[0]?.event).toBe('message');
    expect(frames[0]?.id).toBeNull();
    expect(
      (JSON.parse(frames[0]?.data ?? '') as { message: { envelope: EnvelopeV1 } }).message.envelope,
    ).toEqual(waiting);
    // Then an id-only frame: the browser's Last-Event-ID moves to the current head.
    expect(frames[1]).toEqual({ id: expect.stringMatching(/^\d+$/) as string, event: null, data: null });
    expect(frames).toHaveLength(2);
    await stream.close();
  });

  it('fails a message undelivered within the hold, destroys its content and tells the sender why', async () => {
    const { members, listen, envelope, send, pending, clock, deps, config } = setUp({ holdMs: 72 * HOUR });
    const { alice, bob } = await members();
    const env = envelope(alice, bob.communityName);
    const dropped = envelope(alice, uniqueName('unkno'));
    await send(alice, env);
    await send(alice, dropped);
    const told = listen(alice);
    await clock.advance(config.holdMs - 1);
    await deps.jobs.runNow('message-hold');
    expect(told(alice)).toEqual([]);
    await clock.advance(1);
    await deps.jobs.runNow('message-hold');
    const at = clock.now();
    const reason = 'not delivered within 72 h';
    expect(told(alice)).toEqual(
      expect.arrayContaining([
        {
          type: 'message.status',
          update: { id: env.id, to: bob.communityName, status: 'error', at, reason },
        },
        {
          type: 'message.status',
          update: { id: dropped.id, to: dropped.to, status: 'error', at, reason },
        },
      ]),
    );
    expect(told(alice)).toHaveLength(2);
    expect(await pending(bob)).toEqual([]);
    const row = await deps.store.db
      .selectFrom('messages')
      .selectAll()
      .where('sender_id', '=', alice.id)
      .where('id', '=', env.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ sealed: '', failed_at: at, fail_reason: reason, delivered_at: null });
    // Once only; and an ack that comes too late finds nothing.
    await deps.jobs.runNow('message-hold');
    expect(told(alice)).toHaveLength(2);
    expect((await bob.client.post(`/api/messages/${alice.communityName}/${env.id}/ack`)).status).toBe(404);
  });

  it('prunes the push log and finished messages past retention', async () => {
    const { members, envelope, send, clock, deps, config } = setUp();
    const { alice, bob } = await members();
    const env = envelope(alice, bob.communityName);
    await send(alice, env);
    await bob.client.post(`/api/messages/${alice.communityName}/${env.id}/ack`);
    const count = async () =>
      (await deps.store.db.selectFrom('events').select('seq').where('account_id', '=', bob.id).execute())
        .length;
    expect(await count()).toBeGreaterThan(0);
    await clock.advance(config.retentionMs + 1);
    await deps.jobs.runNow('retention');
    expect(await count()).toBe(0);
    const left = await deps.store.db
      .selectFrom('messages')
      .select('id')
      .where('sender_id', '=', alice.id)
      .execute();
    expect(left).toEqual([]);
  });
});

describe('the invite notice', () => {
  it.each(storeTargets())(
    'reaches a real invitee on $kind after the answer, and nobody else',
    async (target) => {
      const { store, cleanup } = await target.open();
      try {
        const testApp = createTestApp(store);
        const alice = await namedUser(testApp, uniqueName('alice'));
        const bob = await namedUser(testApp, uniqueName('bob'));
        const seen: string[] = [];
        testApp.deps.bus.subscribe(bob.id, (event) => seen.push(event.type));
        await alice.client.post('/api/ring/terms', { version: TERMS_VERSION });
        const response = await alice.client.post('/api/ring/invites', { communityName: bob.communityName });
        expect(response.status).toBe(202);
        // Not while the inviter's answer is being made.
        expect(seen).toEqual([]);
        await testApp.deps.tasks.idle();
        expect(seen).toEqual(['invite.received']);
        await alice.client.post('/api/ring/invites', { communityName: uniqueName('nobody') });
        await testApp.deps.tasks.idle();
        expect(seen).toEqual(['invite.received']);
      } finally {
        await cleanup();
      }
    },
  );
});
