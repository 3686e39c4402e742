import nodeForge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { webCryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';
import { bytesToBinaryString } from './forge-bytes';
import { forgeRsa } from './forge-lib';
import { generateWithForgeJs } from './rsa-keygen';
import { TEST_RSA_1024_PKCS8_BASE64, TEST_RSA_1024_SPKI_BASE64 } from './test-vectors';
import {
  checkKeyPair,
  importRsaPrivateKeys,
  importRsaPublicKeys,
  OAEP_PARAMS,
  PSS_PARAMS,
  PSS_SALT_LENGTH,
} from './webcrypto-keys';

const env = webCryptoEnv(globalThis.crypto);
const { subtle } = env;
const spki = new Uint8Array(Buffer.from(TEST_RSA_1024_SPKI_BASE64, 'base64'));
const pkcs8 = new Uint8Array(Buffer.from(TEST_RSA_1024_PKCS8_BASE64, 'base64'));
const message = new TextEncoder().encode('where did we last meet?');

describe('importRsaPrivateKeys', () => {
  it('imports non-extractable OAEP-SHA-256 and PSS-SHA-256 keys with only their usages', async () => {
    const { decryptKey, signKey } = await importRsaPrivateKeys(env, pkcs8);
    expect(decryptKey.extractable).toBe(false);
    expect(signKey.extractable).toBe(false);
    expect(decryptKey.algorithm).toMatchObject({
      name: 'RSA-OAEP',
      hash: { name: 'SHA-256' },
      modulusLength: 1024,
    });
    expect(signKey.algorithm).toMatchObject({ name: 'RSA-PSS', hash: { name: 'SHA-256' } });
    expect([...decryptKey.usages].sort()).toEqual(['decrypt', 'unwrapKey']);
    expect([...signKey.usages]).toEqual(['sign']);
    await expect(subtle.exportKey('pkcs8', decryptKey)).rejects.toThrow();
    await expect(subtle.exportKey('pkcs8', signKey)).rejects.toThrow();
  });

  it('refuses bytes that are not a private key', async () => {
    await expect(importRsaPrivateKeys(env, spki)).rejects.toThrow(CryptoError);
  });
});

describe('WebCrypto round trips', () => {
  it('OAEP encrypt → decrypt and PSS sign → verify', async () => {
    const privateKeys = await importRsaPrivateKeys(env, pkcs8);
    const publicKeys = await importRsaPublicKeys(env, spki);
    // Public keys too are imported for use only: the bytes they came from are the only copy anyone needs.
    expect(publicKeys.encryptKey.extractable).toBe(false);
    expect(publicKeys.verifyKey.extractable).toBe(false);
    expect(publicKeys.encryptKey.usages.sort()).toEqual(['encrypt', 'wrapKey']);
    expect(publicKeys.verifyKey.usages).toEqual(['verify']);
    const ciphertext = await subtle.encrypt(OAEP_PARAMS, publicKeys.encryptKey, message);
    expect(new Uint8Array(await subtle.decrypt(OAEP_PARAMS, privateKeys.decryptKey, ciphertext))).toEqual(
      message,
    );
    const signature = await subtle.sign(PSS_PARAMS, privateKeys.signKey, message);
    expect(await subtle.verify(PSS_PARAMS, publicKeys.verifyKey, signature, message)).toBe(true);
    expect(await subtle.verify(PSS_PARAMS, publicKeys.verifyKey, signature, message.subarray(1))).toBe(false);
    await expect(checkKeyPair(env, privateKeys, publicKeys)).resolves.toBeUndefined();
  });

  it('checkKeyPair refuses a private key that belongs to another public key', async () => {
    const other = await subtle.generateKey(
      { name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const otherSpki = new Uint8Array(await subtle.exportKey('spki', other.publicKey));
    const privateKeys = await importRsaPrivateKeys(env, pkcs8);
    const publicKeys = await importRsaPublicKeys(env, otherSpki);
    await expect(checkKeyPair(env, privateKeys, publicKeys)).rejects.toMatchObject({
      code: 'key_self_test_failed',
    });
  });
});

describe('forge and WebCrypto interoperate', () => {
  // The full package, for forge's own OAEP and PSS; every call names its padding explicitly.
  const oaepOptions = () => ({
    md: nodeForge.md.sha256.create(),
    mgf1: { md: nodeForge.md.sha256.create() },
  });
  // @types/node-forge types PSS and MGF1 as `any`; this is the library's own object, used as documented.
  /* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment */
  const pss = () =>
    nodeForge.pss.create({
      md: nodeForge.md.sha256.create(),
      mgf: nodeForge.mgf.mgf1.create(nodeForge.md.sha256.create()),
      saltLength: PSS_SALT_LENGTH,
    });
  /* eslint-enable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment */

  it('a forge-generated key works in WebCrypto, both ways', async () => {
    const keys = await generateWithForgeJs({ ...env, forge: forgeRsa }, 1024, { sliceMs: 1_000 });
    const privateKeys = await importRsaPrivateKeys(env, keys.pkcs8);
    const publicKeys = await importRsaPublicKeys(env, keys.spki);
    await checkKeyPair(env, privateKeys, publicKeys);

    const forgePrivate = nodeForge.pki.privateKeyFromAsn1(
      nodeForge.asn1.fromDer(bytesToBinaryString(keys.pkcs8)),
    );
    const forgePublic = nodeForge.pki.publicKeyFromAsn1(
      nodeForge.asn1.fromDer(bytesToBinaryString(keys.spki)),
    );

    // forge OAEP encrypt → WebCrypto decrypt
    const forgeCiphertext = forgePublic.encrypt(bytesToBinaryString(message), 'RSA-OAEP', oaepOptions());
    const decrypted = await subtle.decrypt(
      OAEP_PARAMS,
      privateKeys.decryptKey,
      Uint8Array.from(forgeCiphertext, (c) => c.charCodeAt(0)),
    );
    expect(new Uint8Array(decrypted)).toEqual(message);

    // WebCrypto OAEP encrypt → forge decrypt
    const webCiphertext = new Uint8Array(await subtle.encrypt(OAEP_PARAMS, publicKeys.encryptKey, message));
    expect(forgePrivate.decrypt(bytesToBinaryString(webCiphertext), 'RSA-OAEP', oaepOptions())).toBe(
      bytesToBinaryString(message),
    );

    // WebCrypto PSS sign → forge verify, and forge PSS sign → WebCrypto verify
    const digest = () => nodeForge.md.sha256.create().update(bytesToBinaryString(message));
    const webSignature = new Uint8Array(await subtle.sign(PSS_PARAMS, privateKeys.signKey, message));
    expect(forgePublic.verify(digest().digest().getBytes(), bytesToBinaryString(webSignature), pss())).toBe(
      true,
    );
    const forgeSignature = forgePrivate.sign(digest(), pss());
    const ok = await subtle.verify(
      PSS_PARAMS,
      publicKeys.verifyKey,
      Uint8Array.from(forgeSignature, (c) => c.charCodeAt(0)),
      message,
    );
    expect(ok).toBe(true);
  });
});

describe('the WebCrypto key steps under faults', () => {
  /** WebCrypto as it is, with some of its steps replaced: a platform that misbehaves in one way. */
  const faulty = (steps: Partial<Pick<SubtleCrypto, 'importKey' | 'encrypt' | 'decrypt' | 'verify'>>) => ({
    ...env,
    subtle: {
      importKey: subtle.importKey.bind(subtle),
      encrypt: subtle.encrypt.bind(subtle),
      decrypt: subtle.decrypt.bind(subtle),
      sign: subtle.sign.bind(subtle),
      verify: subtle.verify.bind(subtle),
      ...steps,
    } as unknown as SubtleCrypto,
  });

  it('wipes its copy of the private key bytes once WebCrypto has them, and leaves the caller’s alone', async () => {
    const handed: Uint8Array[] = [];
    const watching = faulty({
      importKey: ((
        format: 'pkcs8',
        keyData: Uint8Array,
        ...rest: [RsaHashedImportParams, boolean, KeyUsage[]]
      ) => {
        handed.push(keyData);
        return subtle.importKey(format, keyData, ...rest);
      }) as SubtleCrypto['importKey'],
    });
    const mine = new Uint8Array(pkcs8);
    await importRsaPrivateKeys(watching, mine);
    expect(handed).toHaveLength(2);
    for (const copy of handed) expect(copy.every((byte) => byte === 0)).toBe(true);
    expect(mine).toEqual(pkcs8);
  });

  it('names what could not be imported, and keeps the cause', async () => {
    await expect(importRsaPrivateKeys(env, spki)).rejects.toMatchObject({
      code: 'invalid_private_key',
      message: 'The private key could not be imported.',
      cause: expect.any(Error) as Error,
    });
    await expect(importRsaPublicKeys(env, pkcs8)).rejects.toMatchObject({
      code: 'invalid_public_key',
      message: 'The public key could not be imported.',
      cause: expect.any(Error) as Error,
    });
  });

  it('checkKeyPair refuses a decryption that gives back other bytes, or fewer, or a signature that fails', async () => {
    const privateKeys = await importRsaPrivateKeys(env, pkcs8);
    const publicKeys = await importRsaPublicKeys(env, spki);
    const refused = {
      code: 'key_self_test_failed',
      message: 'The private key does not match the public key.',
    };
    const decryptThen = (change: (plain: Uint8Array) => Uint8Array) =>
      faulty({
        decrypt: (async (...args: Parameters<SubtleCrypto['decrypt']>) =>
          change(new Uint8Array(await subtle.decrypt(...args))).buffer) as SubtleCrypto['decrypt'],
      });
    const flipped = decryptThen((plain) =>
      plain.map((byte, i) => (i === plain.length - 1 ? byte ^ 1 : byte)),
    );
    await expect(checkKeyPair(flipped, privateKeys, publicKeys)).rejects.toMatchObject(refused);
    const shorter = decryptThen((plain) => plain.slice(0, -1));
    await expect(checkKeyPair(shorter, privateKeys, publicKeys)).rejects.toMatchObject(refused);
    const longer = decryptThen((plain) => new Uint8Array([...plain, 0]));
    await expect(checkKeyPair(longer, privateKeys, publicKeys)).rejects.toMatchObject(refused);
    const unverified = faulty({ verify: () => Promise.resolve(false) });
    await expect(checkKeyPair(unverified, privateKeys, publicKeys)).rejects.toMatchObject(refused);
    const broken = faulty({ encrypt: () => Promise.reject(new Error('no')) });
    await expect(checkKeyPair(broken, privateKeys, publicKeys)).rejects.toMatchObject({
      ...refused,
      cause: new Error('no'),
    });
    // And the same platform, unchanged, passes: the faults above are what was refused.
    await expect(
      checkKeyPair(
        decryptThen((plain) => plain),
        privateKeys,
        publicKeys,
      ),
    ).resolves.toBeUndefined();
  });
});
