import { describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../shared/protocol/errors';
import {
  historyReadsResponseSchema,
  historyResponseSchema,
  starResponseSchema,
  type HistoryMessage,
} from '../../shared/protocol/history';
import type { EnvelopeV1 } from '../../shared/protocol/messages';
import { DAY, HOUR } from '../../shared/rules';
import { messagingApp } from '../testing/messaging';
import { uniqueName } from '../testing/store-fixtures';
import { storeTargets, useTestStore, type NamedUser } from '../testing/test-app';

describe.each(storeTargets())('history, stars and read marks on $kind', (target) => {
  const store = useTestStore(target);

  function setUp(overrides: Parameters<typeof messagingApp>[1] = {}) {
    const app = messagingApp(store(), { retentionMs: 7 * DAY, historyMs: 14 * DAY, ...overrides });
    const history = async (user: NamedUser, query = '') => {
      const response = await user.client.get(`/api/history${query}`);
      expect(response.status).toBe(200);
      return historyResponseSchema.parse(await response.json());
    };
    const mark = (
      user: NamedUser,
      method: 'PUT' | 'DELETE' | 'POST',
      env: EnvelopeV1,
      what: 'star' | 'read',
    ) => {
      const path = `/api/messages/${env.from}/${env.id}/${what}`;
      if (method === 'PUT') return user.client.put(path, {});
      if (method === 'DELETE') return user.client.delete(path);
      return user.client.post(path);
    };
    const ack = (user: NamedUser, env: EnvelopeV1) =>
      user.client.post(`/api/messages/${env.from}/${env.id}/ack`);
    return { ...app, history, mark, ack };
  }

  const byId = (messages: HistoryMessage[], env: EnvelopeV1) =>
    messages.find((message) => message.id === env.id);

  it('lists each side its own messages, with content, status, and its own marks', async () => {
    const { members, person, envelope, send, history, mark, ack, clock } = setUp();
    const { alice, bob } = await members();
    const carol = await person('carol');
    const hello = envelope(alice, bob.communityName);
    const dropped = envelope(alice, uniqueName('nobody'));
    await send(alice, hello);
    await send(alice, dropped);
    expect((await ack(bob, hello)).status).toBe(204);
    expect((await mark(bob, 'POST', hello, 'read')).status).toBe(204);

    const alices = await history(alice);
    expect(alices.messages.map((message) => message.id).sort()).toEqual([hello.id, dropped.id].sort());
    expect(byId(alices.messages, hello)).toMatchObject({
      direction: 'sent',
      from: alice.communityName,
      to: bob.communityName,
      status: 'delivered',
      envelope: hello,
      read: true,
      starred: false,
      contentExpiresAt: clock.now() + 7 * DAY,
    });
    expect(byId(alices.messages, dropped)).toMatchObject({ status: 'enqueued', envelope: dropped });
    const bobs = await history(bob);
    // The dropped one is its sender's only.
    expect(bobs.messages.map((message) => message.id)).toEqual([hello.id]);
    expect(bobs.messages[0]).toMatchObject({ direction: 'received', envelope: hello, read: true });
    expect((await history(carol)).messages).toEqual([]);
  });

  it('pages newest first with no gap or repeat, and refuses a cursor it did not make', async () => {
    const { members, envelope, send, history, clock } = setUp();
    const { alice, bob } = await members();
    const sent: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      const env = envelope(alice, bob.communityName);
      await send(alice, env);
      sent.push(env.id);
      // Two share each time, so the order's tie-break is exercised.
      if (index % 2 === 1) await clock.advance(1_000);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await history(bob, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.messages.length).toBeLessThanOrEqual(3);
      seen.push(...page.messages.map((message) => message.id));
      const times = page.messages.map((message) => message.acceptedAt);
      expect(times).toEqual([...times].sort((a, b) => b - a));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...sent].sort());
    for (const query of ['?cursor=nope!', '?cursor=WzEsMl0', '?limit=0', '?limit=501', '?limit=two']) {
      const response = await bob.client.get(`/api/history${query}`);
      expect(response.status, query).toBe(400);
      expect(errorBodySchema.parse(await response.json()).error.code).toBe('invalid_request');
    }
  });

  it('stars at most five, says how to free a slot, and never more under concurrent requests', async () => {
    const { members, envelope, send, mark } = setUp();
    const { alice, bob } = await members();
    const envelopes = Array.from({ length: 8 }, () => envelope(alice, bob.communityName));
    for (const env of envelopes) await send(alice, env);
    const answers = await Promise.all(envelopes.map((env) => mark(bob, 'PUT', env, 'star')));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 409, 409, 409]);
    const refused = answers.find((answer) => answer.status === 409);
    expect(errorBodySchema.parse(await refused?.json()).error).toEqual({
      code: 'stars_full',
      message: 'You can star at most 5 messages. Unstar one to free a slot.',
    });
    const starred = envelopes.filter((_, index) => answers[index]?.status === 200);
    // Starring a starred one again takes no slot; unstarring frees one.
    const again = await mark(bob, 'PUT', starred[0] as EnvelopeV1, 'star');
    expect(starResponseSchema.parse(await again.json()).stars).toEqual({ count: 5, max: 5 });
    expect((await mark(bob, 'DELETE', starred[0] as EnvelopeV1, 'star')).status).toBe(204);
    const unstarredOne = envelopes.find((_, index) => answers[index]?.status === 409) as EnvelopeV1;
    const now = await mark(bob, 'PUT', unstarredOne, 'star');
    expect(now.status).toBe(200);
    expect(starResponseSchema.parse(await now.json()).stars.count).toBe(5);
    // Stars are per account: alice has five slots of her own.
    expect((await mark(alice, 'PUT', unstarredOne, 'star')).status).toBe(200);
  });

  it('answers one 404 for a message the caller neither sent nor received, unknown or malformed', async () => {
    const { members, person, envelope, send, mark } = setUp();
    const { alice, bob } = await members();
    const carol = await person('carol');
    const env = envelope(alice, bob.communityName);
    await send(alice, env);
    const unknown = envelope(alice, bob.communityName);
    for (const [who, target] of [
      [carol, env],
      [bob, unknown],
    ] as const) {
      for (const [method, what] of [
        ['PUT', 'star'],
        ['DELETE', 'star'],
        ['POST', 'read'],
      ] as const) {
        const response = await mark(who, method, target, what);
        expect(response.status, `${method} ${what}`).toBe(404);
        expect(errorBodySchema.parse(await response.json()).error.code).toBe('not_found');
      }
    }
    expect((await carol.client.post(`/api/messages/${alice.communityName}/not-an-id/read`)).status).toBe(404);
  });

  it('tells only the caller’s own browsers of a mark, once', async () => {
    const { members, envelope, send, mark, listen } = setUp();
    const { alice, bob } = await members();
    const env = envelope(alice, bob.communityName);
    await send(alice, env);
    const told = listen(alice, bob);
    await mark(bob, 'POST', env, 'read');
    await mark(bob, 'POST', env, 'read');
    await mark(bob, 'PUT', env, 'star');
    await mark(bob, 'DELETE', env, 'star');
    const update = { from: alice.communityName, id: env.id };
    expect(told(bob)).toEqual([
      { type: 'message.marks', update: { ...update, read: true, starred: false } },
      { type: 'message.marks', update: { ...update, read: true, starred: true } },
      { type: 'message.marks', update: { ...update, read: true, starred: false } },
    ]);
    expect(told(alice)).toEqual([]);
  });

  it('destroys unstarred content after retention, keeps the row until the window ends, and spares stars', async () => {
    const { members, envelope, send, ack, mark, history, clock, deps } = setUp();
    const { alice, bob } = await members();
    const plain = envelope(alice, bob.communityName);
    const kept = envelope(alice, bob.communityName);
    for (const env of [plain, kept]) {
      await send(alice, env);
      await ack(bob, env);
    }
    expect((await mark(alice, 'PUT', kept, 'star')).status).toBe(200);

    // Exactly seven days old: still there; a moment later, gone.
    await clock.advance(7 * DAY);
    await deps.jobs.runNow('retention');
    expect(byId((await history(bob)).messages, plain)?.envelope).toEqual(plain);
    await clock.advance(1);
    await deps.jobs.runNow('retention');
    const bobs = (await history(bob)).messages;
    // Content gone for plain; kept's content stays stored for alice's star, but bob did not star it.
    expect(byId(bobs, plain)).toMatchObject({ envelope: null, contentExpiresAt: null, status: 'delivered' });
    expect(byId(bobs, kept)?.envelope).toBeNull();
    const alices = (await history(alice)).messages;
    expect(byId(alices, plain)?.envelope).toBeNull();
    expect(byId(alices, kept)).toMatchObject({ envelope: kept, starred: true, contentExpiresAt: null });
    const row = await deps.store.db
      .selectFrom('messages')
      .select('sealed')
      .where('id', '=', plain.id)
      .executeTakeFirstOrThrow();
    expect(row.sealed).toBe('');

    // The history window ends: plain's row goes; kept stays for alice only.
    await clock.advance(7 * DAY);
    await deps.jobs.runNow('retention');
    expect((await history(bob)).messages).toEqual([]);
    expect((await history(alice)).messages.map((message) => message.id)).toEqual([kept.id]);
    // Unstarred, the next sweep applies the rule to it too.
    expect((await mark(alice, 'DELETE', kept, 'star')).status).toBe(204);
    await deps.jobs.runNow('retention');
    expect((await history(alice)).messages).toEqual([]);
  });

  it('refuses to star a message whose content is gone, and leaves a pending one to the hold', async () => {
    const { members, envelope, send, mark, history, clock, deps } = setUp({ holdMs: 72 * HOUR });
    const { alice, bob } = await members();
    const waiting = envelope(alice, bob.communityName);
    await send(alice, waiting);
    await clock.advance(72 * HOUR);
    await deps.jobs.runNow('message-hold');
    const response = await mark(alice, 'PUT', waiting, 'star');
    expect(response.status).toBe(409);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe('content_gone');
    expect(byId((await history(alice)).messages, waiting)).toMatchObject({ status: 'error', envelope: null });
  });

  it('keeps read marks for History’s other events per account, tells its other browsers, and forgets them with the window', async () => {
    const { members, history, listen, clock, deps } = setUp();
    const { alice, bob } = await members();
    const reads = async (user: NamedUser) => {
      const response = await user.client.get('/api/history/reads');
      expect(response.status).toBe(200);
      return historyReadsResponseSchema.parse(await response.json()).keys;
    };
    expect(await reads(bob)).toEqual([]);
    const told = listen(alice, bob);
    const keys = ['i:AAAAAAAAAAAAAAAAAAAAAA', `j:${alice.communityName}:1767225600000`];
    expect((await bob.client.post('/api/history/reads', { keys })).status).toBe(204);
    expect((await bob.client.post('/api/history/reads', { keys })).status).toBe(204);
    expect(await reads(bob)).toEqual([...keys].sort());
    expect(await reads(alice)).toEqual([]);
    expect(told(bob)).toEqual([{ type: 'history.read', keys }]);
    expect(told(alice)).toEqual([]);
    for (const body of [{ keys: [] }, { keys: ['x:nope'] }, { keys: ['i:has space'] }, { other: 1 }]) {
      const response = await bob.client.post('/api/history/reads', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    await clock.advance(14 * DAY + 1);
    await deps.jobs.runNow('retention');
    expect(await reads(bob)).toEqual([]);
    expect((await history(bob)).messages).toEqual([]);
  });
});
