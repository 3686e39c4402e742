import { describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../shared/protocol/errors';
import {
  acceptInviteResponseSchema,
  inviteResponseSchema,
  pinsResponseSchema,
  putPinsResponseSchema,
  ringResponseSchema,
  termsResponseSchema,
  TERMS_VERSION,
} from '../../shared/protocol/ring';
import { DAY } from '../../shared/rules';
import { defaultConfig } from '../config';
import {
  apiClient,
  createTestApp,
  makeActivation,
  enumerationCases,
  namedUser,
  observedAnswer,
  signUpBody,
  storeTargets,
  useTestStore,
  type NamedUser,
} from '../testing/test-app';
import { uniqueName } from '../testing/store-fixtures';

type Client = NamedUser['client'];

async function ringOf(client: Client) {
  const response = await client.get('/api/ring');
  expect(response.status).toBe(200);
  return ringResponseSchema.parse(await response.json());
}

async function errorOf(response: Response) {
  return errorBodySchema.parse(await response.json()).error;
}

async function acceptTerms(user: NamedUser) {
  expect((await user.client.post('/api/ring/terms', { version: TERMS_VERSION })).status).toBe(200);
}

async function invite(from: NamedUser, communityName: string) {
  const response = await from.client.post('/api/ring/invites', { communityName });
  expect(response.status).toBe(202);
  return inviteResponseSchema.parse(await response.json()).invite;
}

const pinBlob = (fill: string) => ({ v: 1, iv: 'AAAAAAAAAAAAAAAA', ct: fill.repeat(32) });

describe.each(storeTargets())('the Ring of Trust on $kind', (target) => {
  const store = useTestStore(target);

  /** A test app and a way to make named people in it, each in their own browser. */
  function setUp(overrides: Parameters<typeof createTestApp>[1] = {}) {
    const testApp = createTestApp(store(), overrides);
    const person = (prefix: string) => namedUser(testApp, uniqueName(prefix));
    /** A person who accepted the terms, ready to invite. */
    const inviter = async (prefix: string) => {
      const user = await person(prefix);
      await acceptTerms(user);
      return user;
    };
    /** The events each account's browsers are told, by account id. */
    const listen = (...users: NamedUser[]) => {
      const seen = new Map<string, string[]>(users.map((user) => [user.id, []]));
      for (const user of users) {
        testApp.deps.bus.subscribe(user.id, (event) => seen.get(user.id)?.push(event.type));
      }
      return (user: NamedUser) => seen.get(user.id) ?? [];
    };
    return { ...testApp, person, inviter, listen };
  }

  async function members(alice: NamedUser, bob: NamedUser, testApp: ReturnType<typeof setUp>) {
    await acceptTerms(alice);
    const sent = await invite(alice, bob.communityName);
    const accepted = await bob.client.post(`/api/ring/invites/${sent.id}/accept`, {
      fingerprint: alice.fingerprint,
    });
    expect(accepted.status).toBe(200);
    // The invite's notice runs after its answer: let it finish, so it is not counted as news of what follows.
    await testApp.deps.tasks.idle();
    return testApp;
  }

  it('requires a session for every route', async () => {
    const anonymous = apiClient(createTestApp(store()).app);
    const id = 'A'.repeat(22);
    const requests: [string, Promise<Response>][] = [
      ['GET ring', anonymous.get('/api/ring')],
      ['terms', anonymous.post('/api/ring/terms', { version: TERMS_VERSION })],
      ['invite', anonymous.post('/api/ring/invites', { communityName: 'someone' })],
      ['cancel', anonymous.delete(`/api/ring/invites/${id}`)],
      ['accept', anonymous.post(`/api/ring/invites/${id}/accept`, { fingerprint: '0'.repeat(64) })],
      ['accept, bad body', anonymous.post(`/api/ring/invites/${id}/accept`, { nonsense: true })],
      ['decline', anonymous.post(`/api/ring/invites/${id}/decline`)],
      ['remove', anonymous.delete('/api/ring/members/someone')],
      ['GET pins', anonymous.get('/api/ring/pins')],
      ['PUT pins', anonymous.put('/api/ring/pins', { blob: pinBlob('a'), baseVersion: 0 })],
    ];
    for (const [label, request] of requests) {
      const response = await request;
      expect(response.status, label).toBe(401);
      expect((await errorOf(response)).code, label).toBe('unauthenticated');
    }
  });

  it('shows an account without a community name only whether it accepted the terms', async () => {
    const { client, clock } = createTestApp(store());
    const name = uniqueName('nameless');
    await client.post('/api/accounts', signUpBody(name));
    expect(await ringOf(client)).toEqual({ termsAcceptedAt: null, members: [], sent: [], received: [] });

    const accepted = await client.post('/api/ring/terms', { version: TERMS_VERSION });
    expect(accepted.status).toBe(200);
    const first = termsResponseSchema.parse(await accepted.json()).termsAcceptedAt;
    expect(first).toBe(clock.now());
    // Accepting again keeps the first time.
    await clock.advance(60_000);
    const again = await client.post('/api/ring/terms', { version: TERMS_VERSION });
    expect(termsResponseSchema.parse(await again.json()).termsAcceptedAt).toBe(first);
    expect(await ringOf(client)).toEqual({ termsAcceptedAt: first, members: [], sent: [], received: [] });
    // Only the current terms can be accepted.
    expect((await client.post('/api/ring/terms', { version: TERMS_VERSION + 1 })).status).toBe(400);

    // With the terms accepted, inviting still needs a name of one's own: activated but unnamed here.
    await client.post('/api/identity', (await makeActivation(name)).request);
    const refused = await client.post('/api/ring/invites', { communityName: 'somebody' });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toEqual({
      code: 'name_required',
      message: 'Choose your community name in Settings before inviting.',
    });
  });

  it('asks for the terms before the first invite', async () => {
    const { person } = setUp();
    const alice = await person('alice');
    const refused = await alice.client.post('/api/ring/invites', { communityName: 'somebody' });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toEqual({
      code: 'terms_required',
      message: 'Accept the terms before inviting.',
    });
    expect((await ringOf(alice.client)).sent).toEqual([]);
    await acceptTerms(alice);
    expect((await alice.client.post('/api/ring/invites', { communityName: 'somebody' })).status).toBe(202);
  });

  it('invites by name, shows it to both sides, and makes them members when accepted', async () => {
    const testApp = setUp();
    const { inviter, person, listen, clock, config } = testApp;
    const alice = await inviter('alice');
    const bob = await person('bob');
    const told = listen(alice, bob);

    // Typed in any case and width, the name is normalized before anything else.
    const sent = await invite(alice, bob.communityName.toUpperCase());
    expect(sent).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as string,
      communityName: bob.communityName,
      createdAt: clock.now(),
      expiresAt: clock.now() + config.inviteExpiryMs,
    });
    expect((await ringOf(alice.client)).sent).toEqual([sent]);
    const { received } = await ringOf(bob.client);
    expect(received).toEqual([
      {
        id: sent.id,
        communityName: alice.communityName,
        publicKey: alice.publicKey,
        fingerprint: alice.fingerprint,
        keyBits: 1024,
        createdAt: sent.createdAt,
        expiresAt: sent.expiresAt,
      },
    ]);
    // Inviting tells only the inviter's own browsers; the invitee finds out by asking.
    expect(told(alice)).toEqual(['ring.updated']);
    // Told only after alice's answer has gone.
    await testApp.deps.tasks.idle();
    expect(told(bob)).toEqual(['invite.received']);

    await clock.advance(5_000);
    const accepted = await bob.client.post(`/api/ring/invites/${sent.id}/accept`, {
      fingerprint: alice.fingerprint,
    });
    expect(accepted.status).toBe(200);
    const aliceAsMember = {
      communityName: alice.communityName,
      publicKey: alice.publicKey,
      fingerprint: alice.fingerprint,
      keyBits: 1024,
      addedAt: clock.now(),
      invitedByMe: false,
    };
    expect(acceptInviteResponseSchema.parse(await accepted.json())).toEqual({ member: aliceAsMember });
    expect(told(alice)).toEqual(['ring.updated', 'ring.updated']);
    expect(told(bob)).toEqual(['invite.received', 'ring.updated']);

    expect(await ringOf(bob.client)).toMatchObject({ members: [aliceAsMember], sent: [], received: [] });
    expect(await ringOf(alice.client)).toMatchObject({
      members: [
        {
          communityName: bob.communityName,
          publicKey: bob.publicKey,
          fingerprint: bob.fingerprint,
          keyBits: 1024,
          addedAt: clock.now(),
          invitedByMe: true,
        },
      ],
      sent: [],
      received: [],
    });
    // The invite is used up.
    const twice = await bob.client.post(`/api/ring/invites/${sent.id}/accept`, {
      fingerprint: alice.fingerprint,
    });
    expect(twice.status).toBe(404);
  });

  it('refuses an accept when the inviter’s key is not the one the invitee compared', async () => {
    const { inviter, person } = setUp();
    const alice = await inviter('alice');
    const bob = await person('bob');
    const mallory = await person('mallory');
    const sent = await invite(alice, bob.communityName);
    const stale = await bob.client.post(`/api/ring/invites/${sent.id}/accept`, {
      fingerprint: mallory.fingerprint,
    });
    expect(stale.status).toBe(409);
    expect(await errorOf(stale)).toEqual({
      code: 'key_changed',
      message: "The inviter's key has changed since you looked. Compare fingerprints again.",
    });
    // Nothing changed: the invite still waits, and the right fingerprint still accepts it.
    expect((await ringOf(bob.client)).received.map((each) => each.id)).toEqual([sent.id]);
    expect((await ringOf(bob.client)).members).toEqual([]);
    const accepted = await bob.client.post(`/api/ring/invites/${sent.id}/accept`, {
      fingerprint: alice.fingerprint,
    });
    expect(accepted.status).toBe(200);
  });

  it('lets only the parties act on an invite, answering everyone else like an unknown id', async () => {
    const { inviter, person } = setUp();
    const alice = await inviter('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    const sent = await invite(alice, bob.communityName);

    const notFound = { code: 'not_found', message: 'There is no such invite.' };
    const attempts: [string, Promise<Response>][] = [
      [
        'a stranger accepts',
        carol.client.post(`/api/ring/invites/${sent.id}/accept`, { fingerprint: alice.fingerprint }),
      ],
      ['a stranger declines', carol.client.post(`/api/ring/invites/${sent.id}/decline`)],
      ['a stranger cancels', carol.client.delete(`/api/ring/invites/${sent.id}`)],
      [
        'the inviter accepts',
        alice.client.post(`/api/ring/invites/${sent.id}/accept`, { fingerprint: alice.fingerprint }),
      ],
      ['the inviter declines', alice.client.post(`/api/ring/invites/${sent.id}/decline`)],
      ['the invitee cancels', bob.client.delete(`/api/ring/invites/${sent.id}`)],
      [
        'an unknown id',
        bob.client.post(`/api/ring/invites/${'B'.repeat(22)}/accept`, { fingerprint: alice.fingerprint }),
      ],
      ['a malformed id', bob.client.post('/api/ring/invites/not-an-id/decline')],
      ['a malformed id to cancel', alice.client.delete('/api/ring/invites/x')],
    ];
    const answers = [];
    for (const [label, attempt] of attempts) {
      const response = await attempt;
      expect(response.status, label).toBe(404);
      answers.push(await observedAnswer(response));
    }
    // Not yours and not there read the same, header for header.
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(JSON.parse(answers[0]?.body ?? '')).toEqual({ error: notFound });

    // None of it touched the invite.
    expect((await ringOf(alice.client)).sent.map((each) => each.id)).toEqual([sent.id]);
    expect((await ringOf(bob.client)).received.map((each) => each.id)).toEqual([sent.id]);
    expect((await ringOf(carol.client)).received).toEqual([]);
  });

  it('keeps a decline silent for good: the inviter’s view never changes, and later invites never arrive', async () => {
    // Sessions outlast the month this test skips.
    const { inviter, person, listen, clock, deps } = setUp({ sessionTtlMs: 365 * DAY });
    const carol = await inviter('carol');
    const bob = await person('bob');
    const told = listen(carol, bob);
    const first = await invite(carol, bob.communityName);
    await deps.tasks.idle();
    // The first invite was pending, so bob was told of it; after the decline he never hears from carol.
    expect(told(bob)).toEqual(['invite.received']);
    const before = await (await carol.client.get('/api/ring')).text();
    const toldBefore = [...told(carol)];

    expect((await bob.client.post(`/api/ring/invites/${first.id}/decline`)).status).toBe(204);
    expect(await (await carol.client.get('/api/ring')).text()).toBe(before);
    expect((await ringOf(bob.client)).received).toEqual([]);
    expect(told(carol)).toEqual(toldBefore);
    expect(told(bob)).toEqual(['invite.received']);
    // Declined once is declined: a second decline finds nothing pending.
    expect((await bob.client.post(`/api/ring/invites/${first.id}/decline`)).status).toBe(404);

    // Cancelled and sent again, the invite shows as pending to carol and still never reaches bob.
    expect((await carol.client.delete(`/api/ring/invites/${first.id}`)).status).toBe(204);
    expect((await ringOf(carol.client)).sent).toEqual([]);
    const second = await invite(carol, bob.communityName);
    expect(second.id).not.toBe(first.id);
    expect((await ringOf(carol.client)).sent).toEqual([second]);
    expect((await ringOf(bob.client)).received).toEqual([]);
    const accept = await bob.client.post(`/api/ring/invites/${second.id}/accept`, {
      fingerprint: carol.fingerprint,
    });
    expect(accept.status).toBe(404);

    // Past its expiry the sweep leaves a declined invite in place, so even a much later one stays silent.
    await clock.advance(31 * DAY);
    await deps.jobs.runNow('expired-invites');
    const third = await invite(carol, bob.communityName);
    expect((await ringOf(carol.client)).sent).toEqual([third]);
    expect((await ringOf(bob.client)).received).toEqual([]);
    await deps.tasks.idle();
    expect(told(bob)).toEqual(['invite.received']);
  });

  it('tells a real invitee only a random moment after the answer, no later than the jitter allows', async () => {
    const jitterMs = 1_000;
    const { inviter, person, listen, clock, deps } = setUp({ inviteNoticeJitterMs: jitterMs });
    const alice = await inviter('alice');
    const bob = await person('bob');
    const told = listen(alice, bob);
    await invite(alice, bob.communityName);
    // The answer has gone and several turns of the event loop have passed: on a standing clock, nothing yet.
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(told(bob)).toEqual([]);
    await clock.advance(jitterMs);
    await deps.tasks.idle();
    expect(told(bob)).toEqual(['invite.received']);
    // Inviting an unknown name waits the same way and then tells no one.
    await invite(alice, 'nobody.here');
    await clock.advance(jitterMs);
    await deps.tasks.idle();
    expect(told(bob)).toEqual(['invite.received']);
  });

  it('cancels an invite the invitee has not answered, which the invitee then no longer sees', async () => {
    const { inviter, person, listen, deps } = setUp();
    const alice = await inviter('alice');
    const bob = await person('bob');
    const sent = await invite(alice, bob.communityName);
    await deps.tasks.idle();
    const told = listen(alice, bob);
    expect((await alice.client.delete(`/api/ring/invites/${sent.id}`)).status).toBe(204);
    expect(told(alice)).toEqual(['ring.updated']);
    expect(told(bob)).toEqual([]);
    expect((await ringOf(alice.client)).sent).toEqual([]);
    expect((await ringOf(bob.client)).received).toEqual([]);
    expect((await alice.client.delete(`/api/ring/invites/${sent.id}`)).status).toBe(404);
    // Sent again, it arrives again.
    const again = await invite(alice, bob.communityName);
    expect((await ringOf(bob.client)).received.map((each) => each.id)).toEqual([again.id]);
  });

  it('lets a pending invite lapse silently on both sides', async () => {
    const { inviter, person, clock, config, deps } = setUp({ inviteExpiryMs: 2 * DAY });
    const alice = await inviter('alice');
    const bob = await person('bob');
    const sent = await invite(alice, bob.communityName);
    expect(sent.expiresAt - sent.createdAt).toBe(config.inviteExpiryMs);

    await clock.advance(2 * DAY - 1);
    expect((await ringOf(alice.client)).sent).toHaveLength(1);
    expect((await ringOf(bob.client)).received).toHaveLength(1);
    await clock.advance(1);
    expect((await ringOf(alice.client)).sent).toEqual([]);
    expect((await ringOf(bob.client)).received).toEqual([]);
    const late = await bob.client.post(`/api/ring/invites/${sent.id}/accept`, {
      fingerprint: alice.fingerprint,
    });
    expect(late.status).toBe(404);

    await deps.jobs.runNow('expired-invites');
    const rows = await store().db.selectFrom('invites').select('id').where('id', '=', sent.id).execute();
    expect(rows).toEqual([]);
  });

  it('lists no invite to oneself or to a member, and none from a member', async () => {
    const testApp = setUp();
    const alice = await testApp.person('alice');
    const bob = await testApp.person('bob');
    await members(alice, bob, testApp);
    await acceptTerms(bob);

    await invite(alice, alice.communityName);
    await invite(alice, bob.communityName);
    await invite(bob, alice.communityName);
    expect(await ringOf(alice.client)).toMatchObject({ sent: [], received: [] });
    expect(await ringOf(bob.client)).toMatchObject({ sent: [], received: [] });
    expect((await ringOf(alice.client)).members.map((each) => each.communityName)).toEqual([
      bob.communityName,
    ]);
  });

  it('removes a member from both rings, telling only the one who removed', async () => {
    const testApp = setUp();
    const alice = await testApp.person('alice');
    const bob = await testApp.person('bob');
    const carol = await testApp.person('carol');
    await members(alice, bob, testApp);
    const told = testApp.listen(alice, bob);

    // Only a member can be removed; anyone else reads like a name that is not there.
    for (const [who, name] of [
      [carol, alice.communityName],
      [carol, bob.communityName],
      [alice, carol.communityName],
      [alice, 'no-such-person'],
      [alice, '%20bad name'],
    ] as const) {
      const refused = await who.client.delete(`/api/ring/members/${encodeURIComponent(name)}`);
      expect(refused.status, name).toBe(404);
      expect(await errorOf(refused)).toEqual({ code: 'not_found', message: 'There is no such ring member.' });
    }

    // A re-invite while they are members is written and lists nowhere; removal forgets it too.
    await invite(alice, bob.communityName);
    const removed = await alice.client.delete(`/api/ring/members/${bob.communityName.toUpperCase()}`);
    expect(removed.status).toBe(204);
    expect(told(alice)).toEqual(['ring.updated', 'ring.updated']);
    expect(told(bob)).toEqual([]);
    expect(await ringOf(alice.client)).toMatchObject({ members: [], sent: [], received: [] });
    expect(await ringOf(bob.client)).toMatchObject({ members: [], sent: [], received: [] });
    expect((await bob.client.delete(`/api/ring/members/${alice.communityName}`)).status).toBe(404);
  });

  it('keeps pins per account, and of two writes from the same version exactly one lands', async () => {
    const { person, listen } = setUp();
    const alice = await person('alice');
    const bob = await person('bob');
    const told = listen(alice, bob);
    expect(pinsResponseSchema.parse(await (await alice.client.get('/api/ring/pins')).json())).toEqual({
      pins: null,
    });

    const first = await alice.client.put('/api/ring/pins', { blob: pinBlob('a'), baseVersion: 0 });
    expect(first.status).toBe(200);
    expect(putPinsResponseSchema.parse(await first.json())).toEqual({ version: 1 });
    expect(told(alice)).toEqual(['ring.updated']);

    const racing = await Promise.all([
      alice.client.put('/api/ring/pins', { blob: pinBlob('b'), baseVersion: 1 }),
      alice.client.put('/api/ring/pins', { blob: pinBlob('c'), baseVersion: 1 }),
    ]);
    expect(racing.map((response) => response.status).sort()).toEqual([200, 409]);
    const loser = racing.find((response) => response.status === 409);
    expect(await errorOf(loser ?? first)).toEqual({
      code: 'pins_conflict',
      message: 'Your pins changed in another browser. Reload and try again.',
    });
    const winner = racing.findIndex((response) => response.status === 200);
    const stored = pinsResponseSchema.parse(await (await alice.client.get('/api/ring/pins')).json());
    expect(stored).toEqual({ pins: { blob: pinBlob(winner === 0 ? 'b' : 'c'), version: 2 } });
    expect(told(alice)).toEqual(['ring.updated', 'ring.updated']);

    // A browser that never read any pins cannot overwrite them either.
    expect((await alice.client.put('/api/ring/pins', { blob: pinBlob('d'), baseVersion: 0 })).status).toBe(
      409,
    );
    expect((await alice.client.put('/api/ring/pins', { blob: pinBlob('d'), baseVersion: 7 })).status).toBe(
      409,
    );

    // Another account sees none of them, and its own writes start from nothing.
    expect(pinsResponseSchema.parse(await (await bob.client.get('/api/ring/pins')).json())).toEqual({
      pins: null,
    });
    expect((await bob.client.put('/api/ring/pins', { blob: pinBlob('e'), baseVersion: 1 })).status).toBe(409);
    expect((await bob.client.put('/api/ring/pins', { blob: pinBlob('e'), baseVersion: 0 })).status).toBe(200);
    expect(told(bob)).toEqual(['ring.updated']);
    expect(
      pinsResponseSchema.parse(await (await alice.client.get('/api/ring/pins')).json()).pins?.version,
    ).toBe(2);
  });

  it('takes a pin blob as large as its schema allows, while other bodies keep the general limit', async () => {
    const { inviter } = setUp();
    const alice = await inviter('alice');
    // 200,000 characters is far past the general 64 KiB body limit: a Ring of several hundred members.
    const largest = { v: 1, iv: 'AAAAAAAAAAAAAAAA', ct: 'A'.repeat(200_000) };
    expect((await alice.client.put('/api/ring/pins', { blob: largest, baseVersion: 0 })).status).toBe(200);
    const tooLarge = await alice.client.put('/api/ring/pins', {
      blob: { ...largest, ct: 'A'.repeat(300_000) },
      baseVersion: 1,
    });
    expect(tooLarge.status).toBe(413);
    const invite = await alice.client.post('/api/ring/invites', { communityName: 'a'.repeat(100_000) });
    expect(invite.status).toBe(413);
    expect(errorBodySchema.parse(await invite.json()).error.code).toBe('payload_too_large');
  });

  it('refuses malformed pins and invites with 400', async () => {
    const { inviter } = setUp();
    const alice = await inviter('alice');
    for (const body of [
      { blob: { ...pinBlob('a'), v: 2 }, baseVersion: 0 },
      { blob: { ...pinBlob('a'), iv: 'short' }, baseVersion: 0 },
      { blob: { ...pinBlob('a'), ct: 'not base64url!'.repeat(3) }, baseVersion: 0 },
      { blob: pinBlob('a'), baseVersion: -1 },
      { blob: pinBlob('a'), baseVersion: 0, extra: true },
    ]) {
      expect((await alice.client.put('/api/ring/pins', body)).status).toBe(400);
    }
    for (const body of [
      { communityName: 'a b' },
      { communityName: 'x' },
      { communityName: 'ok-name', extra: 1 },
      {},
    ]) {
      const response = await alice.client.post('/api/ring/invites', body);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('invalid_request');
    }
  });

  it('rate-limits invites per account with 429 and Retry-After', async () => {
    const { inviter, clock } = setUp({
      rateLimits: { ...defaultConfig().rateLimits, invitesPerAccount: { limit: 2, windowMs: 60_000 } },
    });
    const alice = await inviter('alice');
    const other = await inviter('other');
    await invite(alice, 'first-name');
    await invite(alice, 'second-name');
    const limited = await alice.client.post('/api/ring/invites', { communityName: 'third-name' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    expect((await errorOf(limited)).code).toBe('rate_limited');
    // Per account: someone else still may.
    await invite(other, 'third-name');
    await clock.advance(60_000);
    await invite(alice, 'third-name');
  });

  describe('the enumeration rule', () => {
    it('answers an invite to a real, unknown, declined, already invited, member or own name alike', async () => {
      const testApp = setUp();
      const { caller, cases } = await enumerationCases(testApp);
      const normalize = (body: string, name: string) =>
        body.replaceAll(name, '<name>').replace(/"id":"[A-Za-z0-9_-]{22}"/, '"id":"<id>"');
      const answers: Record<string, Awaited<ReturnType<typeof observedAnswer>>> = {};
      for (const [label, name] of Object.entries(cases)) {
        const response = await caller.client.post('/api/ring/invites', { communityName: name });
        answers[label] = await observedAnswer(response, (body) => normalize(body, name));
      }
      const expected = answers.real;
      expect(expected?.status).toBe(202);
      for (const [label, answer] of Object.entries(answers)) expect(answer, label).toEqual(expected);
      expect(JSON.parse(expected?.body ?? '')).toEqual({
        invite: {
          id: '<id>',
          communityName: '<name>',
          createdAt: testApp.clock.now(),
          expiresAt: testApp.clock.now() + testApp.config.inviteExpiryMs,
        },
      });
    });
  });
});
