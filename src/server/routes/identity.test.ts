import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openKeyBackup } from '../../shared/crypto/key-backup';
import { toBase64Url } from '../../shared/crypto/encoding';
import { errorBodySchema } from '../../shared/protocol/errors';
import { defaultConfig } from '../config';
import type { Store } from '../db/open-store';
import { sessionResponseSchema } from '../../shared/protocol/account';
import { identityResponseSchema } from '../../shared/protocol/identity';
import { createTestApp, useTestStore, makeActivation, signUpBody, storeTargets } from '../testing/test-app';
import { uniqueName } from '../testing/store-fixtures';

describe.each(storeTargets())('activating sharing on $kind', (target) => {
  const store = useTestStore(target);

  async function signedUp(prefix = 'user') {
    const testApp = createTestApp(store());
    const name = uniqueName(prefix);
    expect((await testApp.client.post('/api/accounts', signUpBody(name))).status).toBe(201);
    return { ...testApp, name };
  }

  async function errorCode(response: Response) {
    return errorBodySchema.parse(await response.json()).error.code;
  }

  it('tells the account’s other browsers when its identity changes, and nobody else', async () => {
    const { client, name, deps } = await signedUp('events');
    const session = sessionResponseSchema.parse(await (await client.get('/api/session')).json());
    const ownerId = await store()
      .db.selectFrom('accounts')
      .select('id')
      .where('name', '=', session.account?.name ?? '')
      .executeTakeFirstOrThrow();
    const seen: string[] = [];
    deps.bus.subscribe(ownerId.id, (event) => seen.push(event.type));
    deps.bus.subscribe('someone-else', (event) => seen.push(`leak ${event.type}`));
    expect((await client.post('/api/identity', (await makeActivation(name)).request)).status).toBe(201);
    expect(seen).toEqual(['identity.updated']);
    // A refused write tells nobody.
    expect((await client.post('/api/identity', (await makeActivation(name)).request)).status).toBe(409);
    expect(
      (await client.post('/api/identity/community-name', { communityName: uniqueName('ev') })).status,
    ).toBe(200);
    expect(seen).toEqual(['identity.updated', 'identity.updated']);
  });

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
    const opened = await openKeyBackup(crypto, {
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

    const tables = await dumpEveryTable(store());
    // The search is not vacuous: the known tables are there, and so are the public key and the sealed backup.
    expect(Object.keys(tables)).toEqual(
      expect.arrayContaining(['accounts', 'sessions', 'identities', 'rate_limits']),
    );
    const haystacks = searchable(JSON.stringify(tables));
    expect(haystacks[0]).toContain(request.publicKey);
    expect(haystacks[0]).toContain(request.backup.ct);
    if (store().kind === 'sqlite') {
      // The file itself keeps rows after they are deleted or overwritten, until its pages are reused.
      haystacks.push(...searchable(await sqliteFileBytes(store())));
    }

    for (const { label, text } of privateKeyForms(pkcs8)) {
      for (const haystack of haystacks) {
        expect(haystack.includes(text), label).toBe(false);
      }
    }
  });

  it('refuses a second activation, so an account never silently gets a new identity', async () => {
    const { client, name } = await signedUp();
    expect((await client.post('/api/identity', (await makeActivation(name)).request)).status).toBe(201);
    const second = await client.post('/api/identity', (await makeActivation(name)).request);
    expect(second.status).toBe(409);
    expect(await errorCode(second)).toBe('already_activated');
  });

  it('refuses a public key another account already published, with a conflict of its own', async () => {
    const first = await signedUp('keyowner');
    const { request } = await makeActivation(first.name);
    expect((await first.client.post('/api/identity', request)).status).toBe(201);
    const second = await signedUp('keycopier');
    const copied = await second.client.post('/api/identity', request);
    expect(copied.status).toBe(409);
    expect(await errorCode(copied)).toBe('key_in_use');
    expect(
      identityResponseSchema.parse(await (await second.client.get('/api/identity')).json()).identity,
    ).toBeNull();
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
      ['EC key', { ...good, publicKey: toBase64Url(ec), fingerprint: await fingerprintSpki(crypto, ec) }],
      [
        '768-bit key',
        { ...good, publicKey: toBase64Url(small), fingerprint: await fingerprintSpki(crypto, small) },
      ],
      ['e = 3', { ...good, publicKey: toBase64Url(e3), fingerprint: await fingerprintSpki(crypto, e3) }],
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

  it('rate-limits name claims per account and per address, so taken names cannot be probed in bulk', async () => {
    const owner = await signedUp('owner');
    await owner.client.post('/api/identity', (await makeActivation(owner.name)).request);
    const takenName = uniqueName('taken');
    await owner.client.post('/api/identity/community-name', { communityName: takenName });

    const testApp = createTestApp(store(), {
      rateLimits: {
        ...defaultConfig().rateLimits,
        claimNamePerAccount: { limit: 2, windowMs: 60_000 },
        claimNamePerAddress: { limit: 3, windowMs: 60_000 },
      },
    });
    const prober = async (address: string) => {
      const client = testApp.client.fresh();
      const name = uniqueName('prober');
      await client.post('/api/accounts', signUpBody(name));
      await client.post('/api/identity', (await makeActivation(name)).request);
      return (communityName: string) =>
        client.post('/api/identity/community-name', { communityName }, { 'X-Test-Address': address });
    };
    const first = await prober('198.51.100.30');
    for (let i = 0; i < 2; i++) expect((await first(takenName)).status).toBe(409);
    const limited = await first(uniqueName('ok'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');

    // A fresh account from the same address gets one more try: the address has its own, lower ceiling.
    const second = await prober('198.51.100.30');
    expect((await second(takenName)).status).toBe(409);
    expect((await second(takenName)).status).toBe(429);
    const elsewhere = await prober('198.51.100.31');
    expect((await elsewhere(takenName)).status).toBe(409);

    await testApp.clock.advance(60_000);
    expect((await first(uniqueName('ok'))).status).toBe(200);
  });
});

/** Every row of every table in the store, read from the database's own catalogue so new tables count too. */
async function dumpEveryTable(store: Store): Promise<Record<string, unknown[]>> {
  const { rows: tables } =
    store.kind === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db)
      : await sql<{ name: string }>`
          select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(store.db);
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(store.db);
    // Binary columns are searched in the encodings a reader would see them in.
    dump[name] = rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([column, value]) => [
          column,
          value instanceof Uint8Array
            ? `${Buffer.from(value).toString('hex')} ${Buffer.from(value).toString('base64')}`
            : value,
        ]),
      ),
    );
  }
  return dump;
}

/** The SQLite database file and its write-ahead log, byte for byte. */
async function sqliteFileBytes(store: Store): Promise<string> {
  const { rows } = await sql<{
    file: string;
  }>`select file from pragma_database_list where name = 'main'`.execute(store.db);
  const file = rows[0]?.file;
  if (!file) throw new Error('The SQLite store has no file.');
  const parts = await Promise.all(
    [file, `${file}-wal`].map((path) => readFile(path).catch(() => Buffer.alloc(0))),
  );
  // latin1 maps each byte to one character, so raw DER stays findable next to text.
  return Buffer.concat(parts).toString('latin1');
}

/** The text, a lower-cased copy (hex may be written either way) and a copy without line breaks (PEM). */
function searchable(text: string): string[] {
  return [text, text.toLowerCase(), text.replace(/\\[nr]|\s/g, '')];
}

/**
 * Every form the private key's secret parts could be stored in: the private exponent, the primes and the
 * CRT values, the PKCS#8 and PKCS#1 DER, each as raw bytes, hex, base64 and base64url.
 */
function privateKeyForms(pkcs8: Uint8Array): { label: string; text: string }[] {
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  const jwk = key.export({ format: 'jwk' });
  const secrets: [string, Buffer][] = [
    ...(['d', 'p', 'q', 'dp', 'dq', 'qi'] as const).map((part): [string, Buffer] => {
      const value = jwk[part];
      if (!value) throw new Error(`The key has no ${part}.`);
      return [part, Buffer.from(value, 'base64url')];
    }),
    ['PKCS#8 DER', Buffer.from(pkcs8)],
    ['PKCS#1 DER', key.export({ type: 'pkcs1', format: 'der' })],
  ];
  const forms = [{ label: 'a PEM label', text: 'PRIVATE KEY' }];
  for (const [name, bytes] of secrets) {
    // Each part is at least 60 bytes (the primes of a 1024-bit key), far too long to turn up by chance.
    expect(bytes.length, name).toBeGreaterThanOrEqual(60);
    forms.push({ label: `${name} as raw bytes`, text: bytes.toString('latin1') });
    forms.push({ label: `${name} as hex`, text: bytes.toString('hex') });
    for (const shift of [0, 1, 2]) {
      // Inside longer base64 the part may start at any byte offset; from one of these three shifts its
      // whole 3-byte groups line up with the surrounding text's, whatever precedes it.
      const whole = bytes.subarray(shift, shift + Math.floor((bytes.length - shift) / 3) * 3);
      forms.push({ label: `${name} as base64 from byte ${shift}`, text: whole.toString('base64') });
      forms.push({ label: `${name} as base64url from byte ${shift}`, text: whole.toString('base64url') });
    }
  }
  return forms;
}
