import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openKeyBackup } from '../../shared/crypto/key-backup';
import { toBase64Url } from '../../shared/crypto/encoding';
import { errorBodySchema } from '../../shared/protocol/errors';
import { identityResponseSchema } from '../../shared/protocol/identity';
import {
  createTestApp,
  useTestStore,
  makeActivation,
  randomAuthKey,
  storeTargets,
} from '../testing/test-app';

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

describe.each(storeTargets())('activating sharing on $kind', (target) => {
  const store = useTestStore(target);

  async function signedUp(prefix = 'user') {
    const testApp = createTestApp(store());
    const name = uniqueName(prefix);
    expect((await testApp.client.post('/api/accounts', { name, authKey: randomAuthKey() })).status).toBe(201);
    return { ...testApp, name };
  }

  async function errorCode(response: Response) {
    return errorBodySchema.parse(await response.json()).error.code;
  }

  it('has no identity until activation, then keeps the public key, fingerprint, size and backup', async () => {
    const { client, name } = await signedUp();
    expect(identityResponseSchema.parse(await (await client.get('/api/identity')).json())).toEqual({
      identity: null,
    });

    const { request, wrapKey, pkcs8 } = await makeActivation(name);
    const created = await client.post('/api/identity', request);
    expect(created.status).toBe(201);

    const { identity } = identityResponseSchema.parse(await (await client.get('/api/identity')).json());
    expect(identity).toMatchObject({
      publicKey: request.publicKey,
      fingerprint: request.fingerprint,
      keyBits: 1024,
      backup: request.backup,
      communityName: null,
    });
    // The owner can open what comes back with the key only their password gives.
    const opened = await openKeyBackup(crypto.subtle, {
      accountName: name,
      fingerprint: request.fingerprint,
      wrapKey,
      backup: identity?.backup,
    });
    expect(opened).toEqual(pkcs8);
  });

  it('never holds the private key in the clear: only the sealed backup', async () => {
    const { client, name } = await signedUp();
    const { request, pkcs8 } = await makeActivation(name);
    expect((await client.post('/api/identity', request)).status).toBe(201);
    const dump = JSON.stringify([
      await store().db.selectFrom('identities').selectAll().execute(),
      await store().db.selectFrom('accounts').selectAll().execute(),
      await store().db.selectFrom('sessions').selectAll().execute(),
    ]);
    const der = Buffer.from(pkcs8);
    for (const form of [
      der.toString('base64'),
      der.toString('base64url'),
      der.toString('hex'),
      'PRIVATE KEY',
    ]) {
      expect(dump).not.toContain(form);
    }
    // A 40-byte window of the key in any encoding would do; take one from the middle of the modulus area.
    expect(dump).not.toContain(der.subarray(100, 140).toString('base64url').slice(2, 40));
  });

  it('refuses a second activation, so an account never silently gets a new identity', async () => {
    const { client, name } = await signedUp();
    expect((await client.post('/api/identity', (await makeActivation(name)).request)).status).toBe(201);
    const second = await client.post('/api/identity', (await makeActivation(name)).request);
    expect(second.status).toBe(409);
    expect(await errorCode(second)).toBe('already_activated');
  });

  it('requires a session for everything', async () => {
    const { client, name } = await signedUp();
    const anonymous = client.fresh();
    expect((await anonymous.get('/api/identity')).status).toBe(401);
    expect((await anonymous.post('/api/identity', (await makeActivation(name)).request)).status).toBe(401);
    expect((await anonymous.post('/api/identity/community-name', { communityName: 'someone' })).status).toBe(
      401,
    );
  });

  it('refuses malformed, foreign, wrong-size or mismatched keys with 400', async () => {
    const { client, name } = await signedUp();
    const good = (await makeActivation(name)).request;
    const other = (await makeActivation(name)).request;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    const small = generateKeyPairSync('rsa', { modulusLength: 768 }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    const e3 = generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    const { fingerprintSpki } = await import('../../shared/crypto/fingerprint');
    const cases: [string, unknown][] = [
      ['garbage key', { ...good, publicKey: 'bm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0' }],
      ['not base64url', { ...good, publicKey: 'abc+/def==abcdefgh' }],
      [
        'EC key',
        { ...good, publicKey: toBase64Url(ec), fingerprint: await fingerprintSpki(crypto.subtle, ec) },
      ],
      [
        '768-bit key',
        { ...good, publicKey: toBase64Url(small), fingerprint: await fingerprintSpki(crypto.subtle, small) },
      ],
      [
        'e = 3',
        { ...good, publicKey: toBase64Url(e3), fingerprint: await fingerprintSpki(crypto.subtle, e3) },
      ],
      ['fingerprint of another key', { ...good, fingerprint: other.fingerprint }],
      ['size that does not match', { ...good, keyBits: 2048 }],
      ['size not allowed', { ...good, keyBits: 4096 }],
      ['backup missing', { ...good, backup: undefined }],
      ['backup of another version', { ...good, backup: { ...good.backup, v: 2 } }],
      ['backup with a short IV', { ...good, backup: { ...good.backup, iv: 'AAAA' } }],
      ['a community name smuggled in', { ...good, communityName: 'sneaky' }],
    ];
    for (const [label, body] of cases) {
      const response = await client.post('/api/identity', body);
      expect(response.status, label).toBe(400);
      expect(await errorCode(response), label).toBe('invalid_request');
    }
    expect(
      identityResponseSchema.parse(await (await client.get('/api/identity')).json()).identity,
    ).toBeNull();
  });

  it('accepts 2048- and 3072-bit keys', async () => {
    for (const bits of [2048, 3072] as const) {
      const { client, name } = await signedUp(`k${bits}`);
      const { request } = await makeActivation(name, bits);
      expect((await client.post('/api/identity', request)).status).toBe(201);
    }
  });

  it('claims a community name once, folded like account names, and never changes it', async () => {
    const { client, name } = await signedUp();
    const before = await client.post('/api/identity/community-name', { communityName: uniqueName('early') });
    expect(before.status).toBe(409);
    expect(await errorCode(before)).toBe('not_activated');

    await client.post('/api/identity', (await makeActivation(name)).request);
    const chosen = uniqueName('Ring.Name');
    const claimed = await client.post('/api/identity/community-name', {
      communityName: chosen.toUpperCase(),
    });
    expect(claimed.status).toBe(200);
    expect(identityResponseSchema.parse(await claimed.json()).identity?.communityName).toBe(
      chosen.toLowerCase(),
    );

    // Every route that touches the name refuses a second value.
    const again = await client.post('/api/identity/community-name', { communityName: uniqueName('other') });
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe('name_already_set');
    const same = await client.post('/api/identity/community-name', { communityName: chosen });
    expect(same.status).toBe(409);
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const { app } = createTestApp(store());
      const response = await app.request('/api/identity/community-name', {
        method,
        headers: {
          'Content-Type': 'application/json',
          'X-Ringpost-Request': '1',
          Cookie: client.cookie ?? '',
        },
        body: method === 'DELETE' ? null : JSON.stringify({ communityName: 'changed' }),
      });
      expect(response.status, method).toBe(404);
    }
    const reactivate = await client.post('/api/identity', {
      ...(await makeActivation(name)).request,
      communityName: 'changed',
    });
    expect(reactivate.status).toBe(400);
    const { identity } = identityResponseSchema.parse(await (await client.get('/api/identity')).json());
    expect(identity?.communityName).toBe(chosen.toLowerCase());
  });

  it('says a name is taken only to the person claiming it, case- and NFKC-insensitively', async () => {
    const first = await signedUp('first');
    await first.client.post('/api/identity', (await makeActivation(first.name)).request);
    const wanted = uniqueName('popular');
    expect((await first.client.post('/api/identity/community-name', { communityName: wanted })).status).toBe(
      200,
    );

    const second = await signedUp('second');
    await second.client.post('/api/identity', (await makeActivation(second.name)).request);
    const fullWidth = wanted
      .toUpperCase()
      .replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
    const taken = await second.client.post('/api/identity/community-name', { communityName: fullWidth });
    expect(taken.status).toBe(409);
    expect(await errorCode(taken)).toBe('name_unavailable');
    // The refusal costs nothing: the second person can still pick another name.
    expect(
      (await second.client.post('/api/identity/community-name', { communityName: uniqueName('mine') }))
        .status,
    ).toBe(200);
  });

  it('validates community names with the shared rules', async () => {
    const { client, name } = await signedUp();
    await client.post('/api/identity', (await makeActivation(name)).request);
    for (const [communityName, message] of [
      ['ab', 'communityName: Use 3 to 32 characters.'],
      ['with space', 'communityName: Use only letters a–z, digits, dots, underscores and hyphens.'],
      ['-dash', 'communityName: Start with a letter or a digit.'],
    ]) {
      const response = await client.post('/api/identity/community-name', { communityName });
      expect(response.status).toBe(400);
      expect(errorBodySchema.parse(await response.json()).error.message).toBe(message);
    }
  });

  it('rate-limits name claims per account, so taken names cannot be probed in bulk', async () => {
    const owner = await signedUp('owner');
    await owner.client.post('/api/identity', (await makeActivation(owner.name)).request);
    const takenName = uniqueName('taken');
    await owner.client.post('/api/identity/community-name', { communityName: takenName });

    const testApp = createTestApp(store(), {
      rateLimits: {
        ...createTestApp(store()).config.rateLimits,
        claimNamePerAccount: { limit: 2, windowMs: 60_000 },
      },
    });
    const name = uniqueName('prober');
    await testApp.client.post('/api/accounts', { name, authKey: randomAuthKey() });
    await testApp.client.post('/api/identity', (await makeActivation(name)).request);
    for (let i = 0; i < 2; i++) {
      const probe = await testApp.client.post('/api/identity/community-name', { communityName: takenName });
      expect(probe.status).toBe(409);
    }
    const limited = await testApp.client.post('/api/identity/community-name', {
      communityName: uniqueName('ok'),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    testApp.clock.advance(60_000);
    expect(
      (await testApp.client.post('/api/identity/community-name', { communityName: uniqueName('ok') })).status,
    ).toBe(200);
  });
});
