import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forgeRsa } from './forge-lib';
import { checkPublishedPublicKey, inspectRsaPublicKey, publicKeyFromPkcs8 } from './public-key';
import { refusal } from './testing/refusal';
import {
  TEST_RSA_1024_FINGERPRINT,
  TEST_RSA_1024_PKCS8_BASE64,
  TEST_RSA_1024_SPKI_BASE64,
} from './test-vectors';

// Keys built byte by byte, each wrong in exactly one place, so every refusal in the key gate is shown to
// be reached by its own input (and says which one it is), not covered by a later check that also fails.

const env = { forge: forgeRsa, subtle: globalThis.crypto.subtle };
const spki = new Uint8Array(Buffer.from(TEST_RSA_1024_SPKI_BASE64, 'base64'));

type Bytes = number[];
const length = (n: number): Bytes => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
const tlv = (tag: number, ...content: Bytes[]): Bytes => {
  const body = content.flat();
  return [tag, ...length(body.length), ...body];
};
const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const NULL = 0x05;
const OID = 0x06;
const RSA_ENCRYPTION = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const ID_EC_PUBLIC_KEY = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
  format: 'jwk',
});
const modulusBytes = [...Buffer.from(jwk.n ?? '', 'base64url')];
/** The test key's modulus as a DER INTEGER's content: a 0x00 first, since its top bit is set. */
const N = [0x00, ...modulusBytes];
const E = [0x01, 0x00, 0x01];

interface Parts {
  algorithm?: Bytes;
  unusedBits?: number;
  rsaKey?: Bytes;
  n?: Bytes;
  e?: Bytes;
  outerTag?: number;
  extra?: Bytes;
}

function build({ algorithm, unusedBits = 0, rsaKey, n = N, e = E, outerTag = SEQUENCE, extra }: Parts) {
  const key = rsaKey ?? tlv(SEQUENCE, tlv(INTEGER, n), tlv(INTEGER, e));
  const rsaAlgorithm = algorithm ?? tlv(SEQUENCE, tlv(OID, RSA_ENCRYPTION), tlv(NULL));
  const body = [rsaAlgorithm, tlv(BIT_STRING, [unusedBits], key)];
  return new Uint8Array(tlv(outerTag, ...body, ...(extra ? [extra] : [])));
}

const structure = 'invalid_public_key: The public key does not have the expected structure.';
const badModulus = 'invalid_public_key: The RSA modulus is not valid.';
const badExponent = 'unsupported_exponent: The RSA public exponent is out of range.';

describe('the public key gate, byte by byte', () => {
  it('builds the test key exactly, so every case below differs from a real key in one place only', () => {
    expect(build({})).toEqual(spki);
    expect(inspectRsaPublicKey(env, build({}))).toEqual({ bits: 1024, exponent: 65_537 });
  });

  it.each<[string, Parts, ReturnType<typeof refusal>]>([
    ['an outer SET', { outerTag: 0x31 }, structure],
    ['an outer context tag', { outerTag: 0xa0 }, structure],
    ['an outer SEQUENCE number under a context tag', { outerTag: 0xb0 }, structure],
    ['a third outer field', { extra: tlv(NULL) }, structure],
    ['an algorithm without parameters', { algorithm: tlv(SEQUENCE, tlv(OID, RSA_ENCRYPTION)) }, structure],
    [
      'an algorithm with a third field',
      { algorithm: tlv(SEQUENCE, tlv(OID, RSA_ENCRYPTION), tlv(NULL), tlv(NULL)) },
      structure,
    ],
    [
      'INTEGER parameters',
      { algorithm: tlv(SEQUENCE, tlv(OID, RSA_ENCRYPTION), tlv(INTEGER, [0])) },
      structure,
    ],
    [
      'a NULL with content',
      { algorithm: tlv(SEQUENCE, tlv(OID, RSA_ENCRYPTION), tlv(NULL, [0])) },
      'invalid_public_key: The public key has bad parameters.',
    ],
    [
      'the algorithm OID under a context tag',
      { algorithm: tlv(SEQUENCE, tlv(0x86, RSA_ENCRYPTION), tlv(NULL)) },
      structure,
    ],
    [
      'the algorithm OID as an OCTET STRING',
      { algorithm: tlv(SEQUENCE, tlv(0x04, RSA_ENCRYPTION), tlv(NULL)) },
      structure,
    ],
    [
      'another algorithm',
      { algorithm: tlv(SEQUENCE, tlv(OID, ID_EC_PUBLIC_KEY), tlv(NULL)) },
      'unsupported_key_type: The public key is not an RSA (rsaEncryption) key.',
    ],
    [
      'unused bits in the bit string',
      { unusedBits: 1 },
      'invalid_public_key: The public key bit string is malformed.',
    ],
    [
      'a third INTEGER in the RSA key',
      { rsaKey: tlv(SEQUENCE, tlv(INTEGER, N), tlv(INTEGER, E), tlv(INTEGER, [1])) },
      structure,
    ],
    [
      'a modulus that is an OCTET STRING',
      { rsaKey: tlv(SEQUENCE, tlv(0x04, N), tlv(INTEGER, E)) },
      structure,
    ],
    ['an exponent that is a NULL', { rsaKey: tlv(SEQUENCE, tlv(INTEGER, N), tlv(NULL)) }, structure],
    [
      'bytes after the RSA key',
      { rsaKey: [...tlv(SEQUENCE, tlv(INTEGER, N), tlv(INTEGER, E)), 0x00] },
      'invalid_public_key: The public key is not valid DER.',
    ],
    ['an even modulus', { n: [...N.slice(0, -1), (N.at(-1) ?? 0) & 0xfe] }, badModulus],
    ['a negative modulus', { n: modulusBytes }, badModulus],
    ['a modulus of 0', { n: [0x00] }, badModulus],
    ['a modulus of 1', { n: [0x01] }, badModulus],
    ['an exponent of 1', { e: [0x01] }, badExponent],
    ['a negative exponent', { e: [0x80, 0x01] }, badExponent],
    ['an exponent of 33 bits', { e: [0x01, 0x00, 0x00, 0x00, 0x01] }, badExponent],
  ])('refuses %s, and says so', (_label, parts, expected) => {
    expect(refusal(() => inspectRsaPublicKey(env, build(parts)))).toBe(expected);
  });

  it('refuses garbage and BER with their own sentences', () => {
    expect(refusal(() => inspectRsaPublicKey(env, new Uint8Array([0x30, 0x05, 0x00])))).toBe(
      'invalid_public_key: The public key is not valid DER.',
    );
    // 30 81 9f … → 30 82 00 9f …: the same value in BER, other bytes, so another fingerprint.
    const longForm = new Uint8Array([0x30, 0x82, 0x00, 0x9f, ...spki.subarray(3)]);
    expect(refusal(() => inspectRsaPublicKey(env, longForm))).toBe(
      'invalid_public_key: The public key is not canonical DER.',
    );
  });

  it.each<[string, Bytes, Bytes, { bits: number; exponent: number }]>([
    ['the smallest modulus and exponent it reads', [0x03], [0x03], { bits: 2, exponent: 3 }],
    ['a modulus with a leading zero byte', [0x00, 0x80, 0x01], E, { bits: 16, exponent: 65_537 }],
    ['a modulus not a whole number of bytes', [0x40, 0x01], E, { bits: 15, exponent: 65_537 }],
    [
      'the largest exponent, 2³² − 1',
      N,
      [0x00, 0xff, 0xff, 0xff, 0xff],
      { bits: 1024, exponent: 2 ** 32 - 1 },
    ],
    ['a two-byte exponent', N, [0x01, 0x01], { bits: 1024, exponent: 257 }],
  ])('reads %s', (_label, n, e, expected) => {
    expect(inspectRsaPublicKey(env, build({ n, e }))).toEqual(expected);
  });
});

describe('what the server publishes', () => {
  const check = (key: Uint8Array, fingerprint = TEST_RSA_1024_FINGERPRINT) =>
    checkPublishedPublicKey(env, key, fingerprint).then(
      () => 'accepted',
      (error: unknown) =>
        refusal(() => {
          throw error;
        }),
    );

  it('says which rule a key breaks, in words', async () => {
    expect(await check(build({ n: [0x00, 0xff, 0x01] }))).toBe(
      'unsupported_key_size: RSA keys must be 1024, 2048, 3072 bits, not 16.',
    );
    expect(await check(build({ e: [0x03] }))).toBe(
      'unsupported_exponent: The RSA public exponent must be 65537.',
    );
    expect(await check(spki, 'f'.repeat(63))).toBe(
      'invalid_fingerprint: A fingerprint is 64 lowercase hex digits.',
    );
    expect(await check(spki, 'f'.repeat(64))).toBe(
      'fingerprint_mismatch: The fingerprint does not match the public key.',
    );
  });
});

describe('the private key a backup restores, byte by byte', () => {
  const pkcs8 = new Uint8Array(Buffer.from(TEST_RSA_1024_PKCS8_BASE64, 'base64'));
  const secret = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({
    format: 'jwk',
  });
  /** A JWK number as DER INTEGER content: big-endian, with a 0x00 first when the top bit is set. */
  const integer = (field: string | undefined): Bytes => {
    const bytes = [...Buffer.from(field ?? '', 'base64url')];
    return (bytes[0] ?? 0) >= 0x80 ? [0x00, ...bytes] : bytes;
  };
  const numbers = [secret.n, secret.e, secret.d, secret.p, secret.q, secret.dp, secret.dq, secret.qi];
  const fields = (version: Bytes = [0x00]) => [
    tlv(INTEGER, version),
    ...numbers.map((n) => tlv(INTEGER, integer(n))),
  ];
  const wrap = (rsaKey: Bytes, version: Bytes = [0x00], algorithm?: Bytes) =>
    new Uint8Array(
      tlv(
        SEQUENCE,
        tlv(INTEGER, version),
        algorithm ?? tlv(SEQUENCE, tlv(OID, RSA_ENCRYPTION), tlv(NULL)),
        tlv(0x04, rsaKey),
      ),
    );
  const invalid = (message: string) => `invalid_private_key: ${message}`;

  it('builds the test key exactly', () => {
    expect(wrap(tlv(SEQUENCE, ...fields()))).toEqual(pkcs8);
    expect(publicKeyFromPkcs8(env, wrap(tlv(SEQUENCE, ...fields())))).toEqual(spki);
  });

  it.each<[string, Uint8Array, ReturnType<typeof refusal>]>([
    [
      'PKCS#8 version 1',
      wrap(tlv(SEQUENCE, ...fields()), [0x01]),
      invalid('Only PKCS#8 version 0 is supported.'),
    ],
    [
      'a multi-prime RSA key',
      wrap(tlv(SEQUENCE, ...fields([0x01]))),
      invalid('Only two-prime RSA keys are supported.'),
    ],
    [
      'an RSA key with a field missing',
      wrap(tlv(SEQUENCE, ...fields().slice(0, 8))),
      invalid('The private key does not have the expected structure.'),
    ],
    [
      'an RSA key with a field that is not an INTEGER',
      wrap(tlv(SEQUENCE, ...fields().slice(0, 8), tlv(0x04, [0x01]))),
      invalid('The private key does not have the expected structure.'),
    ],
    [
      'the RSA key outside an OCTET STRING',
      new Uint8Array(
        tlv(
          SEQUENCE,
          tlv(INTEGER, [0]),
          tlv(SEQUENCE, tlv(OID, RSA_ENCRYPTION), tlv(NULL)),
          tlv(SEQUENCE, ...fields()),
        ),
      ),
      invalid('The private key does not have the expected structure.'),
    ],
    [
      'another algorithm',
      wrap(tlv(SEQUENCE, ...fields()), [0x00], tlv(SEQUENCE, tlv(OID, ID_EC_PUBLIC_KEY), tlv(NULL))),
      'unsupported_key_type: The private key is not an RSA (rsaEncryption) key.',
    ],
    [
      'bytes after the RSA key',
      wrap([...tlv(SEQUENCE, ...fields()), 0x00]),
      invalid('The private key is not valid DER.'),
    ],
  ])('refuses %s, and says so', (_label, key, expected) => {
    expect(refusal(() => publicKeyFromPkcs8(env, key))).toBe(expected);
  });
});
