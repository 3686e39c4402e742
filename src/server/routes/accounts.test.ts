import { describe, expect, it } from 'vitest';
import { accountSalt } from '../../shared/crypto/account-keys';
import { toBase64Url } from '../../shared/crypto/encoding';
import {
  accountResponseSchema,
  kdfResponseSchema,
  sessionResponseSchema,
} from '../../shared/protocol/account';
import { errorBodySchema } from '../../shared/protocol/errors';
import { HOUR, MINUTE } from '../../shared/rules';
import { clientAddressResolver } from '../client-address';
import { defaultConfig } from '../config';
import {
  countingHasher,
  createTestApp,
  randomAuthKey,
  signUpBody,
  storeTargets,
  useTestStore,
} from '../testing/test-app';
import { nextUnique, uniqueName } from '../testing/store-fixtures';

const limits = defaultConfig().rateLimits;
const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function errorOf(response: Response) {
  return errorBodySchema.parse(await response.json()).error;
}

describe.each(storeTargets())('accounts and sessions on $kind', (target) => {
  const store = useTestStore(target);

  it('creates an account, signs it in, tells who it is, and signs it out', async () => {
    const { client } = createTestApp(store());
    const name = uniqueName('Alice.Example');
    const authKey = randomAuthKey();

    const created = await client.post('/api/accounts', signUpBody(name, authKey));
    expect(created.status).toBe(201);
    const { account } = accountResponseSchema.parse(await created.json());
    expect(account.name).toBe(name.toLowerCase());
    expect(account.kdf).toEqual({
      algorithm: 'PBKDF2-SHA-256',
      iterations: 600_000,
      salt: toBase64Url(accountSalt(name)),
    });
    const setCookie = created.headers.get('Set-Cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);

    const me = await client.get('/api/session');
    expect(me.status).toBe(200);
    expect(sessionResponseSchema.parse(await me.json()).account?.name).toBe(name.toLowerCase());

    const signedOut = await client.delete('/api/session');
    expect(signedOut.status).toBe(204);
    // The browser drops the cookie it holds only when told with the attributes it was set with.
    const cleared = signedOut.headers.get('Set-Cookie') ?? '';
    expect(cleared).toMatch(/^ringpost_session=;/);
    expect(cleared).toMatch(/; Max-Age=0/i);
    expect(cleared).toMatch(/; Path=\/(;|$)/i);
    expect(cleared).toMatch(/; HttpOnly/i);
    expect(cleared).toMatch(/; SameSite=Strict/i);
    // Signed out is an answer, not a failed request: the browser logs nothing on its first visit.
    const after = await client.get('/api/session');
    expect(after.status).toBe(200);
    expect(sessionResponseSchema.parse(await after.json())).toEqual({ account: null });
    expect((await client.get('/api/identity')).status).toBe(401);

    const other = client.fresh();
    const signedIn = await other.post('/api/session', { name: name.toUpperCase(), authKey });
    expect(signedIn.status).toBe(200);
    expect(
      sessionResponseSchema.parse(await (await other.get('/api/session')).json()).account,
    ).not.toBeNull();
  });

  it('uses a Secure, __Host- prefixed cookie when served over HTTPS', async () => {
    const { client } = createTestApp(store(), { secureCookies: true });
    const created = await client.post('/api/accounts', signUpBody(uniqueName('secure-sam')));
    const setCookie = created.headers.get('Set-Cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-ringpost_session=/);
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/; Path=\//i);
    expect(setCookie).not.toMatch(/Domain=/i);
    expect((await client.get('/api/identity')).status).toBe(200);
    // Cleared under the same prefixed name and attributes, or the browser would keep it.
    const cleared = (await client.delete('/api/session')).headers.get('Set-Cookie') ?? '';
    expect(cleared).toMatch(/^__Host-ringpost_session=;/);
    expect(cleared).toMatch(/; Secure/i);
    expect(cleared).toMatch(/; Path=\/(;|$)/i);
    expect((await client.get('/api/identity')).status).toBe(401);
    expect((await client.get('/api/health')).headers.get('Strict-Transport-Security')).toContain('max-age=');
  });

  it('folds names with NFKC and case, so look-alike spellings are the same account', async () => {
    const { client } = createTestApp(store());
    const suffix = `${process.pid}${nextUnique()}`;
    expect((await client.post('/api/accounts', signUpBody(`ｂｏｂ${suffix}`))).status).toBe(201);
    const again = await client.fresh().post('/api/accounts', signUpBody(`BOB${suffix}`));
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toEqual({
      code: 'name_unavailable',
      message: 'That account name is not available. Please choose another.',
    });
  });

  it('answers an unknown account and a wrong password identically, after the same slow hash', async () => {
    const hasher = countingHasher();
    const { client } = createTestApp(store(), {}, { deps: { hasher } });
    const name = uniqueName('carol');
    await client.post('/api/accounts', signUpBody(name));
    expect(hasher.hashes).toBe(1);

    const wrong = await client.fresh().post('/api/session', { name, authKey: randomAuthKey() });
    const unknown = await client
      .fresh()
      .post('/api/session', { name: uniqueName('nobody'), authKey: randomAuthKey() });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    expect([...wrong.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    expect(wrong.headers.get('Set-Cookie')).toBeNull();
    // One scrypt run each: against the account's hash, and against the decoy (null) for the unknown name.
    expect(hasher.verifies).toHaveLength(2);
    expect(hasher.verifies[0]).toMatch(/^scrypt\$/);
    expect(hasher.verifies[1]).toBeNull();
    expect(hasher.hashes).toBe(1);
  });

  it('never stores the auth key in the clear', async () => {
    const { client } = createTestApp(store());
    const authKey = randomAuthKey();
    const name = uniqueName('dave');
    await client.post('/api/accounts', signUpBody(name, authKey));

    const rows = await store().db.selectFrom('accounts').selectAll().where('name', '=', name).execute();
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows);
    const bytes = Buffer.from(authKey, 'base64url');
    for (const form of [authKey, bytes.toString('hex'), bytes.toString('base64')])
      expect(raw).not.toContain(form);
    expect(rows[0]?.auth_hash).toMatch(/^scrypt\$/);
  });

  it('refuses a session cookie that is forged or expired, and replaces the session on a new sign-in', async () => {
    const { client, clock, config } = createTestApp(store());
    const name = uniqueName('erin');
    const authKey = randomAuthKey();
    await client.post('/api/accounts', signUpBody(name, authKey));
    expect((await client.get('/api/identity')).status).toBe(200);

    const oldCookie = client.cookie;
    expect((await client.post('/api/session', { name, authKey })).status).toBe(200);
    expect(client.cookie).not.toBe(oldCookie);
    expect((await client.fresh().get('/api/identity', { Cookie: oldCookie ?? '' })).status).toBe(401);

    await clock.advance(config.sessionTtlMs + 1);
    expect((await client.get('/api/identity')).status).toBe(401);
    expect((await client.fresh().get('/api/identity', { Cookie: 'ringpost_session=forged' })).status).toBe(
      401,
    );
  });

  it('ends a session left idle past RINGPOST_SESSION_IDLE, and keeps one in use until its TTL', async () => {
    const { client, clock } = createTestApp(store(), { sessionIdleMs: 30 * MINUTE, sessionTtlMs: 4 * HOUR });
    const name = uniqueName('idle');
    const authKey = randomAuthKey();
    await client.post('/api/accounts', signUpBody(name, authKey), { 'X-Test-Address': '198.51.100.201' });
    const idle = client.fresh();
    expect((await idle.post('/api/session', { name, authKey })).status).toBe(200);
    const idleCookie = idle.cookie ?? '';

    // One browser is used every 20 minutes; the other is left alone.
    for (let elapsed = 20; elapsed < 240; elapsed += 20) {
      await clock.advance(20 * MINUTE);
      expect((await client.get('/api/identity')).status, `after ${elapsed} min`).toBe(200);
    }
    expect((await client.fresh().get('/api/identity', { Cookie: idleCookie })).status).toBe(401);
    // Past the TTL, however busy.
    await clock.advance(20 * MINUTE);
    expect((await client.get('/api/identity')).status).toBe(401);
  });

  it('ends a push stream when its session goes idle, but not while the browser uses the session', async () => {
    const { client, clock, config } = createTestApp(store(), { sessionIdleMs: 30 * MINUTE });
    await client.post('/api/accounts', signUpBody(uniqueName('stream'), randomAuthKey()), {
      'X-Test-Address': '198.51.100.202',
    });
    const stream = await client.get('/api/events');
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('The stream has no body.');
    let ended = false;
    const drained = (async () => {
      while (!(await reader.read()).done);
      ended = true;
    })();
    // Used every 10 minutes for an hour: the stream carries on past its first deadline.
    for (let minutes = 10; minutes <= 60; minutes += 10) {
      await clock.advance(10 * MINUTE);
      expect((await client.get('/api/identity')).status).toBe(200);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    // Then left alone: at a heartbeat past the idle limit the stream ends. The check is a query, and on
    // PostgreSQL under load it can still be in flight when the standing clock has moved on, so a few more
    // heartbeats are allowed, each given real time to finish its query.
    await clock.advance(30 * MINUTE + config.keepAliveMs);
    let extraBeats = 0;
    while (!(await Promise.race([drained.then(() => true), realDelay(250).then(() => false)]))) {
      extraBeats += 1;
      expect(extraBeats, 'heartbeats past the idle limit').toBeLessThanOrEqual(8);
      await clock.advance(config.keepAliveMs);
    }
    expect(ended).toBe(true);
  });

  it('revokes a session on sign-out: the same cookie sent again is refused', async () => {
    const { client } = createTestApp(store());
    const name = uniqueName('replay');
    const authKey = randomAuthKey();
    await client.post('/api/accounts', signUpBody(name, authKey), { 'X-Test-Address': '198.51.100.203' });
    const cookie = client.cookie ?? '';
    expect((await client.delete('/api/session')).status).toBe(204);
    const replayed = await client.fresh().get('/api/identity', { Cookie: cookie });
    expect(replayed.status).toBe(401);
    expect(errorBodySchema.parse(await replayed.json()).error.code).toBe('unauthenticated');
    const count = await store()
      .db.selectFrom('sessions')
      .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
      .where('accounts.name', '=', name)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(0);
  });

  it('keeps each account on the iteration count it was made with', async () => {
    const raised = createTestApp(store(), { pbkdf2Iterations: 700_000 });
    const name = uniqueName('kdf');
    const authKey = randomAuthKey();
    // A page that read the old count is refused, and told why.
    const stale = await raised.client.post('/api/accounts', signUpBody(name, authKey));
    expect(stale.status).toBe(400);
    expect((await errorOf(stale)).message).toContain('700000');
    expect(
      (await raised.client.post('/api/accounts', { ...signUpBody(name, authKey), kdfIterations: 700_000 }))
        .status,
    ).toBe(201);

    // The setting goes back down: the account still derives with 700,000, a new name with the setting.
    const { client } = createTestApp(store(), { pbkdf2Iterations: 650_000 });
    const lookup = async (lookupName: string) =>
      kdfResponseSchema.parse(await (await client.post('/api/session/kdf', { name: lookupName })).json()).kdf;
    expect(await lookup(name.toUpperCase())).toEqual({
      algorithm: 'PBKDF2-SHA-256',
      iterations: 700_000,
      salt: toBase64Url(accountSalt(name)),
    });
    const stranger = uniqueName('nobody');
    expect(await lookup(stranger)).toEqual({
      algorithm: 'PBKDF2-SHA-256',
      iterations: 650_000,
      salt: toBase64Url(accountSalt(stranger)),
    });
    const signedIn = await client.post('/api/session', { name, authKey });
    expect(accountResponseSchema.parse(await signedIn.json()).account.kdf.iterations).toBe(700_000);
  });

  it('refuses guesses for one account from one address, without locking the owner out elsewhere', async () => {
    const { client } = createTestApp(store());
    const { limit } = limits.signInFailuresPerAccountAddress;
    const name = uniqueName('frank');
    const authKey = randomAuthKey();
    await client.post('/api/accounts', signUpBody(name, authKey));
    for (const target of [name, uniqueName('no-such-frank')]) {
      const guesser = { 'X-Test-Address': '198.51.100.7' };
      for (let i = 0; i < limit; i++) {
        const attempt = await client
          .fresh()
          .post('/api/session', { name: target, authKey: randomAuthKey() }, guesser);
        expect(attempt.status).toBe(401);
      }
      const limited = await client
        .fresh()
        .post('/api/session', { name: target, authKey: randomAuthKey() }, guesser);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect((await errorOf(limited)).message).toMatch(
        /^Too many attempts for this account\. Try again in \d+ minutes?\.$/,
      );
    }
    // The owner, elsewhere, is not locked out.
    const owner = await client
      .fresh()
      .post('/api/session', { name, authKey }, { 'X-Test-Address': '192.0.2.44' });
    expect(owner.status).toBe(200);
  });

  it('slows down every sign-in for an account past its failure ceiling, but still lets the owner in', async () => {
    const { client, clock } = createTestApp(store(), {
      rateLimits: { ...limits, signInFailuresPerAccount: { limit: 3, windowMs: 3_600_000 } },
      signInSlowdownMs: 5_000,
    });
    const name = uniqueName('grace');
    const authKey = randomAuthKey();
    await client.post('/api/accounts', signUpBody(name, authKey));
    for (let i = 0; i < 3; i++) {
      const from = { 'X-Test-Address': `198.51.100.${20 + i}` };
      expect(
        (await client.fresh().post('/api/session', { name, authKey: randomAuthKey() }, from)).status,
      ).toBe(401);
    }
    let answered = false;
    const pending = client
      .fresh()
      .post('/api/session', { name, authKey }, { 'X-Test-Address': '192.0.2.45' })
      .then((response) => {
        answered = true;
        return response;
      });
    await clock.untilTimers();
    await clock.advance(4_999);
    expect(answered).toBe(false);
    await clock.advance(1);
    expect((await pending).status).toBe(200);
  });

  it('limits sign-in per address, counting an IPv6 /64 and all of loopback as one place', async () => {
    const { client, clock } = createTestApp(store(), {
      rateLimits: { ...limits, signInPerAddress: { limit: 3, windowMs: 60_000 } },
    });
    const attempt = (address: string) =>
      client
        .fresh()
        .post(
          '/api/session',
          { name: uniqueName('g'), authKey: randomAuthKey() },
          { 'X-Test-Address': address },
        );
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3']) {
      expect((await attempt(address)).status).toBe(401);
    }
    expect((await attempt('2001:db8:1:2::99')).status).toBe(429);
    expect((await attempt('2001:db8:1:3::1')).status).toBe(401);
    for (const address of ['127.0.0.2', '127.0.0.3', '::1'])
      expect((await attempt(address)).status).toBe(401);
    expect((await attempt('127.0.0.4')).status).toBe(429);
    await clock.advance(60_000);
    expect((await attempt('2001:db8:1:2::99')).status).toBe(401);
  });

  it('ignores a forged X-Forwarded-For unless a proxy is trusted, and then reads only its entry', async () => {
    const peer = (c: { req: { header(name: string): string | undefined } }) =>
      c.req.header('X-Test-Address') ?? '203.0.113.1';
    const rule = { ...limits, signInPerAddress: { limit: 2, windowMs: 60_000 } };
    const direct = createTestApp(
      store(),
      { rateLimits: rule },
      { deps: { clientAddress: clientAddressResolver(0, peer) } },
    );
    const forged = (i: number) => ({ 'X-Forwarded-For': `10.9.8.${i}` });
    for (let i = 0; i < 2; i++) {
      expect(
        (
          await direct.client
            .fresh()
            .post('/api/session', { name: 'h-user', authKey: randomAuthKey() }, forged(i))
        ).status,
      ).toBe(401);
    }
    expect(
      (
        await direct.client
          .fresh()
          .post('/api/session', { name: 'h-user', authKey: randomAuthKey() }, forged(3))
      ).status,
    ).toBe(429);

    // Behind one trusted proxy (the socket peer), the rightmost entry is the client; what the client
    // wrote to its left changes nothing.
    const proxied = createTestApp(
      store(),
      { rateLimits: rule },
      { deps: { clientAddress: clientAddressResolver(1, peer) } },
    );
    const via = (written: string, client: string) => ({
      'X-Test-Address': '10.0.0.1',
      'X-Forwarded-For': `${written}, ${client}`,
    });
    for (let i = 0; i < 2; i++) {
      const response = await proxied.client
        .fresh()
        .post(
          '/api/session',
          { name: 'h-user', authKey: randomAuthKey() },
          via(`1.2.3.${i}`, '198.51.100.77'),
        );
      expect(response.status).toBe(401);
    }
    expect(
      (
        await proxied.client
          .fresh()
          .post('/api/session', { name: 'h-user', authKey: randomAuthKey() }, via('1.2.3.9', '198.51.100.77'))
      ).status,
    ).toBe(429);
    expect(
      (
        await proxied.client
          .fresh()
          .post('/api/session', { name: 'h-user', authKey: randomAuthKey() }, via('1.2.3.9', '198.51.100.78'))
      ).status,
    ).toBe(401);
  });

  it('limits account creation per address', async () => {
    const { client } = createTestApp(store(), {
      rateLimits: { ...limits, signUpPerAddress: { limit: 2, windowMs: 3_600_000 } },
    });
    const from = { 'X-Test-Address': '192.0.2.60' };
    for (let i = 0; i < 2; i++) {
      expect((await client.fresh().post('/api/accounts', signUpBody(uniqueName('m')), from)).status).toBe(
        201,
      );
    }
    const limited = await client.fresh().post('/api/accounts', signUpBody(uniqueName('m')), from);
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).message).toBe('Too many attempts. Try again in 1 hour.');
  });

  it('validates names, auth keys and iteration counts with sentences a person understands', async () => {
    const { client } = createTestApp(store());
    const cases: [unknown, string][] = [
      [signUpBody('ab'), 'name: Use 3 to 32 characters.'],
      [signUpBody('hello world'), 'name: Use only letters a–z, digits, dots, underscores and hyphens.'],
      [signUpBody('.hidden'), 'name: Start with a letter or a digit.'],
      [{ ...signUpBody('valid'), authKey: 'short' }, 'authKey: The auth key must be 32 bytes in base64url.'],
      [
        { ...signUpBody('valid'), kdfIterations: 1_000 },
        'kdfIterations: Use at least 600000 PBKDF2 iterations.',
      ],
      [
        { ...signUpBody('valid'), kdfIterations: 600_000.5 },
        'kdfIterations: The iteration count must be a whole number.',
      ],
      [{ name: 'valid', authKey: randomAuthKey() }, 'kdfIterations:'],
      [[], ''],
    ];
    for (const [body, message] of cases) {
      const response = await client.post('/api/accounts', body);
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('invalid_request');
      expect(error.message).toContain(message);
    }
  });
});
