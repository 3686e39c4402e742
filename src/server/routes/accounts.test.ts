import { describe, expect, it } from 'vitest';
import { accountResponseSchema } from '../../shared/protocol/account';
import { errorBodySchema } from '../../shared/protocol/errors';
import { createTestApp, useTestStore, randomAuthKey, storeTargets } from '../testing/test-app';

describe.each(storeTargets())('accounts and sessions on $kind', (target) => {
  const store = useTestStore(target);

  it('creates an account, signs it in, tells who it is, and signs it out', async () => {
    const { client } = createTestApp(store());
    const authKey = randomAuthKey();

    const created = await client.post('/api/accounts', { name: 'Alice.Example', authKey });
    expect(created.status).toBe(201);
    expect(accountResponseSchema.parse(await created.json()).account.name).toBe('alice.example');
    const setCookie = created.headers.get('Set-Cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);

    const me = await client.get('/api/session');
    expect(me.status).toBe(200);
    expect(accountResponseSchema.parse(await me.json()).account.name).toBe('alice.example');

    expect((await client.delete('/api/session')).status).toBe(204);
    expect((await client.get('/api/session')).status).toBe(401);

    const other = client.fresh();
    const signedIn = await other.post('/api/session', { name: 'ALICE.example', authKey });
    expect(signedIn.status).toBe(200);
    expect((await other.get('/api/session')).status).toBe(200);
  });

  it('uses a Secure, __Host- prefixed cookie when served over HTTPS', async () => {
    const { client } = createTestApp(store(), { secureCookies: true });
    const created = await client.post('/api/accounts', { name: 'secure-sam', authKey: randomAuthKey() });
    const setCookie = created.headers.get('Set-Cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-ringpost_session=/);
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/; Path=\//i);
    expect(setCookie).not.toMatch(/Domain=/i);
    expect((await client.get('/api/session')).status).toBe(200);
    expect((await client.get('/api/health')).headers.get('Strict-Transport-Security')).toContain('max-age=');
  });

  it('folds names with NFKC and case, so look-alike spellings are the same account', async () => {
    const { client } = createTestApp(store());
    expect((await client.post('/api/accounts', { name: 'ｂｏｂ', authKey: randomAuthKey() })).status).toBe(
      201,
    );
    const again = await client.fresh().post('/api/accounts', { name: 'BOB', authKey: randomAuthKey() });
    expect(again.status).toBe(409);
    expect(errorBodySchema.parse(await again.json()).error.code).toBe('name_unavailable');
  });

  it('answers an unknown account and a wrong password identically', async () => {
    const { client } = createTestApp(store());
    await client.post('/api/accounts', { name: 'carol', authKey: randomAuthKey() });

    const wrong = await client.fresh().post('/api/session', { name: 'carol', authKey: randomAuthKey() });
    const unknown = await client
      .fresh()
      .post('/api/session', { name: 'nobody-here', authKey: randomAuthKey() });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    expect([...wrong.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    expect(wrong.headers.get('Set-Cookie')).toBeNull();
  });

  it('never stores the auth key in the clear', async () => {
    const { client } = createTestApp(store());
    const authKey = randomAuthKey();
    await client.post('/api/accounts', { name: 'dave', authKey });

    const rows = await store().db.selectFrom('accounts').selectAll().where('name', '=', 'dave').execute();
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows);
    const hex = Buffer.from(authKey, 'base64url').toString('hex');
    const base64 = Buffer.from(authKey, 'base64url').toString('base64');
    for (const form of [authKey, hex, base64]) expect(raw).not.toContain(form);
    expect(rows[0]?.auth_hash).toMatch(/^scrypt\$/);
  });

  it('refuses a request whose session cookie is forged or expired', async () => {
    const { client, clock, config } = createTestApp(store());
    await client.post('/api/accounts', { name: 'erin', authKey: randomAuthKey() });
    expect((await client.get('/api/session')).status).toBe(200);

    clock.advance(config.sessionTtlMs + 1);
    expect((await client.get('/api/session')).status).toBe(401);

    const forged = await client.fresh().get('/api/session', { Cookie: 'ringpost_session=forged' });
    expect(forged.status).toBe(401);
  });

  it('rate-limits sign-in per account, for unknown names too, with Retry-After', async () => {
    const { client, config } = createTestApp(store());
    const { limit } = config.rateLimits.signInPerAccount;
    for (const name of ['frank', 'no-such-frank']) {
      for (let i = 0; i < limit; i++) {
        const attempt = await client.fresh().post(
          '/api/session',
          { name, authKey: randomAuthKey() },
          {
            'X-Test-Address': `198.51.100.${i}`,
          },
        );
        expect(attempt.status).toBe(401);
      }
      const limited = await client.fresh().post('/api/session', { name, authKey: randomAuthKey() });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect(errorBodySchema.parse(await limited.json()).error.code).toBe('rate_limited');
    }
  });

  it('rate-limits sign-in per address and lets it through again after the window', async () => {
    const { client, clock } = createTestApp(store(), {
      rateLimits: {
        ...createTestApp(store()).config.rateLimits,
        signInPerAddress: { limit: 3, windowMs: 60_000 },
      },
    });
    const from = { 'X-Test-Address': '192.0.2.7' };
    for (let i = 0; i < 3; i++) {
      expect(
        (await client.post('/api/session', { name: `g${i}xx`, authKey: randomAuthKey() }, from)).status,
      ).toBe(401);
    }
    expect((await client.post('/api/session', { name: 'g9xx', authKey: randomAuthKey() }, from)).status).toBe(
      429,
    );
    clock.advance(60_000);
    expect((await client.post('/api/session', { name: 'g9xx', authKey: randomAuthKey() }, from)).status).toBe(
      401,
    );
  });

  it('validates names and auth keys with sentences a person understands', async () => {
    const { client } = createTestApp(store());
    const cases: [unknown, string][] = [
      [{ name: 'ab', authKey: randomAuthKey() }, 'name: Use 3 to 32 characters.'],
      [
        { name: 'hello world', authKey: randomAuthKey() },
        'name: Use only letters a–z, digits, dots, underscores and hyphens.',
      ],
      [{ name: '.hidden', authKey: randomAuthKey() }, 'name: Start with a letter or a digit.'],
      [{ name: 'valid', authKey: 'short' }, 'authKey: The auth key must be 32 bytes in base64url.'],
      [{ name: 'valid' }, 'authKey:'],
      [[], ''],
    ];
    for (const [body, message] of cases) {
      const response = await client.post('/api/accounts', body);
      expect(response.status).toBe(400);
      const { error } = errorBodySchema.parse(await response.json());
      expect(error.code).toBe('invalid_request');
      expect(error.message).toContain(message);
    }
  });
});
