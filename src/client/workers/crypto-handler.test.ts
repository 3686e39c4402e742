import { beforeAll, describe, expect, it } from 'vitest';
import { webCryptoEnv } from '../../shared/crypto/crypto-env';
import { toBase64Url } from '../../shared/crypto/encoding';
import type { EnvelopeV1 } from '../../shared/crypto/envelope-v1';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { forgeRsa } from '../../shared/crypto/forge-lib';
import { sealKeyBackup } from '../../shared/crypto/key-backup';
import { generateWithWebCrypto } from '../../shared/crypto/rsa-keygen';
import { OAEP_PARAMS, importRsaPrivateKeys, importRsaPublicKeys } from '../../shared/crypto/webcrypto-keys';
import { envelopeV1Schema } from '../../shared/protocol/messages';
import {
  cryptoProtocol,
  type ActivateParams,
  type ActivateResult,
  type BackupParams,
  type CryptoReply,
  type OpenEnvelopeParams,
  type SealEnvelopeParams,
} from '../crypto/worker-protocol';
import { handleCryptoMessage, type CryptoWorkerEnv } from './crypto-handler';

const env: CryptoWorkerEnv = {
  ...webCryptoEnv(globalThis.crypto),
  forge: forgeRsa,
  now: () => performance.now(),
};
const { subtle } = env;
const { request } = cryptoProtocol;
const activateRequest = (id: number, params: ActivateParams) => request(id, 'activate', params);
const restoreRequest = (id: number, params: BackupParams) => request(id, 'restore', params);
const newWrapKey = () => subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const wrapKey = await newWrapKey();

/** The real SubtleCrypto, except that it cannot generate keys: forces the forge fallback. */
function withoutGenerateKey(real: SubtleCrypto): SubtleCrypto {
  return new Proxy(real, {
    get(target, property) {
      if (property === 'generateKey') return undefined;
      const value: unknown = Reflect.get(target, property);
      // SubtleCrypto's methods insist on being called on the real object.
      return typeof value === 'function'
        ? (...args: unknown[]): unknown => Reflect.apply(value, target, args) as unknown
        : value;
    },
  });
}

async function send(data: unknown): Promise<CryptoReply[]> {
  const replies: CryptoReply[] = [];
  await handleCryptoMessage(env, data, (reply) => replies.push(reply));
  for (const reply of replies) expect(cryptoProtocol.isReply(reply)).toBe(true);
  return replies;
}

async function activate(): Promise<ActivateResult> {
  const replies = await send(activateRequest(1, { bits: 1024, wrapKey, accountName: 'alice' }));
  const last = replies.at(-1);
  if (last?.kind !== 'result' || last.type !== 'activate') throw new Error(JSON.stringify(last));
  return last.result;
}

async function errorCodeOf(data: unknown): Promise<string> {
  const replies = await send(data);
  const last = replies.at(-1);
  expect(replies.filter((reply) => reply.kind !== 'progress')).toHaveLength(1);
  return last?.kind === 'error' ? last.error.code : 'no error';
}

describe('handleCryptoMessage: activate', () => {
  it('reports progress, then a usable key, its fingerprint and an openable backup', async () => {
    const replies = await send(activateRequest(5, { bits: 1024, wrapKey, accountName: 'alice' }));
    expect(replies.map((reply) => (reply.kind === 'progress' ? reply.stage : reply.kind))).toEqual([
      'started',
      'done',
      'result',
    ]);
    expect(replies.every((reply) => reply.id === 5)).toBe(true);
    const last = replies.at(-1);
    const result = last?.kind === 'result' && last.type === 'activate' ? last.result : null;
    expect(result).toMatchObject({ bits: 1024, backup: { v: 1 } });
    // Under Node, forge with only lib/rsa has no native generator it can use, so WebCrypto generates.
    expect(result?.keygenPath).toBe('webcrypto');
    expect(result?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // The reply holds no private key bytes: only non-extractable keys and the sealed backup.
    expect(result?.decryptKey.extractable).toBe(false);
    expect(result?.signKey.extractable).toBe(false);
    expect(Object.keys(result ?? {}).sort()).toEqual(
      ['backup', 'bits', 'decryptKey', 'fingerprint', 'generateMs', 'keygenPath', 'signKey', 'spki'].sort(),
    );
  });

  it('reports progress slices on the forge JavaScript fallback (no WebCrypto generator)', async () => {
    const replies: CryptoReply[] = [];
    const fallbackEnv = { ...env, subtle: withoutGenerateKey(subtle) };
    await handleCryptoMessage(
      fallbackEnv,
      activateRequest(6, { bits: 1024, wrapKey, accountName: 'alice' }),
      (r) => replies.push(r),
    );
    const kinds = replies.map((reply) => (reply.kind === 'progress' ? reply.stage : reply.kind));
    expect(kinds[0]).toBe('started');
    expect(kinds.slice(-2)).toEqual(['done', 'result']);
    expect(kinds.slice(1, -2).every((kind) => kind === 'generating')).toBe(true);
    const last = replies.at(-1);
    expect(last?.kind === 'result' && last.type === 'activate' ? last.result.keygenPath : null).toBe(
      'forge-js',
    );
  });

  it('answers a malformed request with bad_request and ignores one without an id', async () => {
    expect(
      await errorCodeOf({ id: 9, type: 'activate', params: { bits: 4096, wrapKey, accountName: 'a' } }),
    ).toBe('bad_request');
    expect(await send({ type: 'activate' })).toEqual([]);
  });

  it('turns a crypto failure into an error reply, not an exception', async () => {
    const encryptOnly = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['decrypt']);
    expect(
      await errorCodeOf(activateRequest(1, { bits: 1024, wrapKey: encryptOnly, accountName: 'alice' })),
    ).toBe('internal');
  });
});

describe('handleCryptoMessage: restore', () => {
  it('restores keys that decrypt what the published key encrypted', async () => {
    const activated = await activate();
    const replies = await send(
      restoreRequest(2, {
        backup: activated.backup,
        wrapKey,
        accountName: 'alice',
        spki: activated.spki,
        fingerprint: activated.fingerprint,
      }),
    );
    const last = replies.at(-1);
    if (last?.kind !== 'result' || last.type !== 'restore') throw new Error(JSON.stringify(last));
    const { encryptKey } = await importRsaPublicKeys(env, Buffer.from(activated.spki, 'base64url'));
    const ciphertext = await subtle.encrypt(OAEP_PARAMS, encryptKey, new Uint8Array([1, 2, 3]));
    const plain = await subtle.decrypt(OAEP_PARAMS, last.result.decryptKey, ciphertext);
    expect(new Uint8Array(plain)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('refuses a wrong password, a wrong account, a foreign key and a bad fingerprint', async () => {
    const activated = await activate();
    const params: BackupParams = {
      backup: activated.backup,
      wrapKey,
      accountName: 'alice',
      spki: activated.spki,
      fingerprint: activated.fingerprint,
    };
    const restore = (changes: Partial<BackupParams>) =>
      errorCodeOf(restoreRequest(3, { ...params, ...changes }));
    expect(await restore({ wrapKey: await newWrapKey() })).toBe('backup_unopenable');
    expect(await restore({ accountName: 'mallory' })).toBe('backup_unopenable');
    expect(await restore({ fingerprint: 'ab'.repeat(32) })).toBe('fingerprint_mismatch');
    expect(await restore({ spki: '***' })).toBe('invalid_public_key');
    expect(await restore({ backup: { v: 1, iv: 'x', ct: 'y' } })).toBe('backup_malformed');
  });

  it('refuses a backup whose private key is not the published key (key_mismatch)', async () => {
    // A backup honestly sealed for this account and fingerprint, but holding some other private key:
    // only possible for someone holding the wrap key, and still caught before the key is used.
    const published = await activate();
    const other = await generateWithWebCrypto(env, 1024);
    const backup = await sealKeyBackup(env, {
      wrapKey,
      pkcs8: other.pkcs8,
      accountName: 'alice',
      fingerprint: published.fingerprint,
    });
    const code = await errorCodeOf(
      restoreRequest(4, {
        backup,
        wrapKey,
        accountName: 'alice',
        spki: published.spki,
        fingerprint: published.fingerprint,
      }),
    );
    expect(code).toBe('key_mismatch');
    expect(toBase64Url(other.spki)).not.toBe(published.spki);
  });
});

/** The real SubtleCrypto, keeping every buffer decrypt returns so a test can look at it afterwards. */
function recordingDecrypts(real: SubtleCrypto): { subtle: SubtleCrypto; plaintexts: ArrayBuffer[] } {
  const plaintexts: ArrayBuffer[] = [];
  const subtle = new Proxy(real, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]): Promise<unknown> => {
        const result: unknown = await Reflect.apply(value, target, args);
        if (property === 'decrypt' && result instanceof ArrayBuffer) plaintexts.push(result);
        return result;
      };
    },
  });
  return { subtle, plaintexts };
}

describe('handleCryptoMessage: checkBackup', () => {
  async function paramsFor(): Promise<BackupParams> {
    const activated = await activate();
    return {
      backup: activated.backup,
      wrapKey,
      accountName: 'alice',
      spki: activated.spki,
      fingerprint: activated.fingerprint,
    };
  }

  it('answers only that the backup opened for this key, and zeroes the private key it opened', async () => {
    const params = await paramsFor();
    const recording = recordingDecrypts(subtle);
    const replies: CryptoReply[] = [];
    await handleCryptoMessage(
      { ...env, subtle: recording.subtle },
      request(7, 'checkBackup', params),
      (reply) => replies.push(reply),
    );
    expect(replies).toEqual([
      { kind: 'result', id: 7, ok: true, type: 'checkBackup', result: { fingerprint: params.fingerprint } },
    ]);
    // The one AES-GCM decryption gave the PKCS#8; its bytes are gone before the reply is sent.
    expect(recording.plaintexts).toHaveLength(1);
    const opened = new Uint8Array(recording.plaintexts[0] ?? new ArrayBuffer(1));
    expect(opened.length).toBeGreaterThan(500);
    expect(opened.every((byte) => byte === 0)).toBe(true);
  });

  it('refuses a wrong password (GCM cannot open the backup), another account and a foreign key', async () => {
    const params = await paramsFor();
    const check = (changes: Partial<BackupParams>) =>
      errorCodeOf(request(8, 'checkBackup', { ...params, ...changes }));
    expect(await check({ wrapKey: await newWrapKey() })).toBe('backup_unopenable');
    expect(await check({ accountName: 'mallory' })).toBe('backup_unopenable');
    expect(await check({ fingerprint: 'ab'.repeat(32) })).toBe('fingerprint_mismatch');

    const other = await generateWithWebCrypto(env, 1024);
    const foreign = await sealKeyBackup(env, {
      wrapKey,
      pkcs8: other.pkcs8,
      accountName: 'alice',
      fingerprint: params.fingerprint,
    });
    expect(await check({ backup: foreign })).toBe('key_mismatch');
  });
});

describe('handleCryptoMessage: sealEnvelope and openEnvelope', () => {
  interface TestParty {
    name: string;
    spki: string;
    fingerprint: string;
    decryptKey: CryptoKey;
    signKey: CryptoKey;
  }

  async function party(name: string, bits: 1024 | 2048): Promise<TestParty> {
    const keys = await generateWithWebCrypto(env, bits);
    return {
      name,
      spki: toBase64Url(keys.spki),
      fingerprint: await fingerprintSpki(env, keys.spki),
      ...(await importRsaPrivateKeys(env, keys.pkcs8)),
    };
  }

  let alice: TestParty;
  let bob: TestParty;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([party('alice', 1024), party('bob', 2048)]);
  });

  const sealParams = (changes: Partial<SealEnvelopeParams> = {}): SealEnvelopeParams => ({
    text: 'hello \u{1F30D}',
    from: alice.name,
    to: bob.name,
    ts: 1_767_225_600_000,
    signKey: alice.signKey,
    senderSpki: alice.spki,
    recipientSpki: bob.spki,
    recipientPin: bob.fingerprint,
    ...changes,
  });

  const openParams = (envelope: unknown, changes: Partial<OpenEnvelopeParams> = {}): OpenEnvelopeParams => ({
    envelope,
    decryptKey: bob.decryptKey,
    as: 'recipient',
    senderSpki: alice.spki,
    expected: { from: alice.name, to: bob.name, kidFrom: alice.fingerprint, kidTo: bob.fingerprint },
    ...changes,
  });

  async function sealed(changes: Partial<SealEnvelopeParams> = {}): Promise<EnvelopeV1> {
    const replies = await send(request(11, 'sealEnvelope', sealParams(changes)));
    const last = replies.at(-1);
    if (last?.kind !== 'result' || last.type !== 'sealEnvelope') throw new Error(JSON.stringify(last));
    return last.result.envelope;
  }

  it('seals an envelope the server accepts, naming both keys by fingerprint', async () => {
    const envelope = await sealed({ id: 'AAECAwQFBgcICQoLDA0ODw' });
    expect(envelopeV1Schema.safeParse(envelope).success).toBe(true);
    expect(envelope).toMatchObject({
      v: 1,
      id: 'AAECAwQFBgcICQoLDA0ODw',
      from: 'alice',
      to: 'bob',
      ts: 1_767_225_600_000,
      kid: { from: alice.fingerprint, to: bob.fingerprint },
    });
  });

  it('opens it as the recipient and as the sender, through a structured clone', async () => {
    const envelope = structuredClone(await sealed());
    const expected = {
      id: envelope.id,
      from: 'alice',
      to: 'bob',
      ts: 1_767_225_600_000,
      text: 'hello \u{1F30D}',
    };
    expect(await send(request(12, 'openEnvelope', openParams(envelope)))).toEqual([
      { kind: 'result', id: 12, ok: true, type: 'openEnvelope', result: expected },
    ]);
    const asSender = openParams(envelope, { as: 'sender', decryptKey: alice.decryptKey });
    expect(await send(request(13, 'openEnvelope', asSender))).toEqual([
      { kind: 'result', id: 13, ok: true, type: 'openEnvelope', result: expected },
    ]);
  });

  it('refuses to seal for a key that is not the pin, a bad key, a foreign signing key or a bad text', async () => {
    const seal = (changes: Partial<SealEnvelopeParams>) =>
      errorCodeOf(request(14, 'sealEnvelope', sealParams(changes)));
    expect(await seal({ recipientPin: 'ab'.repeat(32) })).toBe('fingerprint_mismatch');
    expect(await seal({ recipientSpki: '***' })).toBe('invalid_public_key');
    expect(await seal({ senderSpki: toBase64Url(new Uint8Array([1, 2, 3])) })).toBe('invalid_public_key');
    expect(await seal({ signKey: bob.signKey })).toBe('key_mismatch');
    expect(await seal({ text: 'x'.repeat(161) })).toBe('message_text_invalid');
    expect(await seal({ from: 'Alice' })).toBe('envelope_malformed');
  });

  it('refuses to open with a sender key that is not the pin, and every altered envelope', async () => {
    const envelope = await sealed();
    const open = (value: unknown, changes: Partial<OpenEnvelopeParams> = {}) =>
      errorCodeOf(request(15, 'openEnvelope', openParams(value, changes)));
    expect(await open(envelope, { senderSpki: bob.spki })).toBe('envelope_mismatch');
    expect(await open(envelope, { senderSpki: '***' })).toBe('invalid_public_key');
    expect(await open({ ...envelope, ts: envelope.ts + 1 })).toBe('envelope_signature_invalid');
    expect(await open({ ...envelope, to: 'carol' })).toBe('envelope_mismatch');
    expect(await open({ ...envelope, v: 2 })).toBe('envelope_version_unsupported');
    expect(await open({ ...envelope, ct: 'AAAA' })).toBe('envelope_malformed');
    expect(await open(envelope, { decryptKey: alice.decryptKey })).toBe('envelope_unopenable');
  });

  it('answers malformed params with bad_request', async () => {
    const noKey: Record<string, unknown> = { ...openParams({}) };
    delete noKey.decryptKey;
    const bad: unknown[] = [
      { id: 16, type: 'sealEnvelope', params: { ...sealParams(), signKey: 'key' } },
      { id: 16, type: 'sealEnvelope', params: { ...sealParams(), ts: '1' } },
      { id: 16, type: 'sealEnvelope', params: { ...sealParams(), id: 5 } },
      { id: 16, type: 'openEnvelope', params: { ...openParams({}), as: 'reader' } },
      { id: 16, type: 'openEnvelope', params: { ...openParams({}), expected: { from: 'alice' } } },
      { id: 16, type: 'openEnvelope', params: noKey },
    ];
    for (const data of bad) expect(await errorCodeOf(data), JSON.stringify(data)).toBe('bad_request');
  });
});
