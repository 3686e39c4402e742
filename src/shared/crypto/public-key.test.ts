import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CryptoError, type CryptoErrorCode } from './crypto-error';
import { forgeRsa } from './forge-lib';
import { checkPublishedPublicKey, inspectRsaPublicKey, publicKeyFromPkcs8 } from './public-key';
import {
  TEST_EC_P256_SPKI_BASE64,
  TEST_RSA_1024_FINGERPRINT,
  TEST_RSA_1024_PKCS8_BASE64,
  TEST_RSA_1024_SPKI_BASE64,
} from './test-vectors';
import { codeOf } from './testing/refusal';

const env = { forge: forgeRsa, subtle: globalThis.crypto.subtle };
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const spki = fromBase64(TEST_RSA_1024_SPKI_BASE64);
const pkcs8 = fromBase64(TEST_RSA_1024_PKCS8_BASE64);

function codeOfSync(run: () => unknown): CryptoErrorCode | 'no error' | 'other error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    return error instanceof CryptoError ? error.code : 'other error';
  }
}

function nodeRsaSpki(modulusLength: number, publicExponent = 65_537): Uint8Array {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength, publicExponent });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

describe('inspectRsaPublicKey', () => {
  it('reads bits and exponent of an RSA SPKI', () => {
    expect(inspectRsaPublicKey(env, spki)).toEqual({ bits: 1024, exponent: 65_537 });
    expect(inspectRsaPublicKey(env, nodeRsaSpki(2048))).toEqual({ bits: 2048, exponent: 65_537 });
    expect(inspectRsaPublicKey(env, nodeRsaSpki(1023, 3))).toEqual({ bits: 1023, exponent: 3 });
  });

  it('refuses garbage, truncation and trailing bytes', () => {
    expect(codeOfSync(() => inspectRsaPublicKey(env, new Uint8Array(0)))).toBe('invalid_public_key');
    expect(codeOfSync(() => inspectRsaPublicKey(env, new TextEncoder().encode('hello')))).toBe(
      'invalid_public_key',
    );
    expect(codeOfSync(() => inspectRsaPublicKey(env, spki.subarray(0, spki.length - 1)))).toBe(
      'invalid_public_key',
    );
    const trailing = new Uint8Array([...spki, 0]);
    expect(codeOfSync(() => inspectRsaPublicKey(env, trailing))).toBe('invalid_public_key');
  });

  it('refuses non-canonical DER (a long-form length where the short form fits)', () => {
    // 30 81 9f … → 30 82 00 9f …: same value in BER, different bytes, so a different fingerprint.
    const longForm = new Uint8Array([0x30, 0x82, 0x00, 0x9f, ...spki.subarray(3)]);
    expect(codeOfSync(() => inspectRsaPublicKey(env, longForm))).toBe('invalid_public_key');
  });

  it('refuses a bare PKCS#1 RSAPublicKey, a private key and a flipped tag', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pkcs1 = new Uint8Array(publicKey.export({ type: 'pkcs1', format: 'der' }));
    expect(codeOfSync(() => inspectRsaPublicKey(env, pkcs1))).toBe('invalid_public_key');
    expect(codeOfSync(() => inspectRsaPublicKey(env, pkcs8))).toBe('invalid_public_key');
    const flipped = new Uint8Array(spki);
    flipped[0] = 0x31; // SET instead of SEQUENCE
    expect(codeOfSync(() => inspectRsaPublicKey(env, flipped))).toBe('invalid_public_key');
  });

  it('refuses keys of other types', () => {
    expect(codeOfSync(() => inspectRsaPublicKey(env, fromBase64(TEST_EC_P256_SPKI_BASE64)))).toBe(
      'unsupported_key_type',
    );
    // id-RSASSA-PSS keys carry a different OID; Ringpost keys are plain rsaEncryption.
    const { publicKey } = generateKeyPairSync('rsa-pss', { modulusLength: 1024 });
    const pss = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    expect(codeOfSync(() => inspectRsaPublicKey(env, pss))).toBe('unsupported_key_type');
  });
});

describe('checkPublishedPublicKey', () => {
  it('accepts an allowed RSA key with its fingerprint', async () => {
    await expect(checkPublishedPublicKey(env, spki, TEST_RSA_1024_FINGERPRINT)).resolves.toEqual({
      bits: 1024,
      fingerprint: TEST_RSA_1024_FINGERPRINT,
    });
  });

  it('refuses wrong sizes, exponents and fingerprints', async () => {
    const check = (key: Uint8Array, fingerprint = TEST_RSA_1024_FINGERPRINT) =>
      codeOf(() => checkPublishedPublicKey(env, key, fingerprint));
    expect(await check(nodeRsaSpki(512))).toBe('unsupported_key_size');
    expect(await check(nodeRsaSpki(1032))).toBe('unsupported_key_size');
    expect(await check(nodeRsaSpki(1024, 3))).toBe('unsupported_exponent');
    expect(await check(nodeRsaSpki(1024))).toBe('fingerprint_mismatch');
    expect(await check(spki, TEST_RSA_1024_FINGERPRINT.toUpperCase())).toBe('invalid_fingerprint');
    expect(await check(fromBase64(TEST_EC_P256_SPKI_BASE64))).toBe('unsupported_key_type');
  });
});

describe('publicKeyFromPkcs8', () => {
  it('derives exactly the published SPKI bytes', () => {
    expect(publicKeyFromPkcs8(env, pkcs8)).toEqual(spki);
  });

  it('matches what node:crypto derives for fresh keys', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect(publicKeyFromPkcs8(env, der)).toEqual(
      new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    );
  });

  it('refuses garbage, trailing bytes, a public key and a bare PKCS#1 key', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pkcs1 = new Uint8Array(privateKey.export({ type: 'pkcs1', format: 'der' }));
    for (const bad of [
      new Uint8Array(0),
      new Uint8Array([...pkcs8, 0]),
      spki,
      pkcs1,
      pkcs8.subarray(0, 100),
    ]) {
      expect(codeOfSync(() => publicKeyFromPkcs8(env, bad))).toBe('invalid_private_key');
    }
  });

  it('refuses a non-RSA private key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ec = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect(codeOfSync(() => publicKeyFromPkcs8(env, ec))).toBe('unsupported_key_type');
  });
});
