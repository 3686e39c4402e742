import { webCryptoEnv } from '../crypto-env';
import { fromBase64Url, toBase64Url, toHex } from '../encoding';
import { envelopeAdditionalData, envelopeSignedBytes, sealEnvelope, type EnvelopeV1 } from '../envelope-v1';
import { fingerprintSpki } from '../fingerprint';
import { importRsaPrivateKeys, importRsaPublicKeys } from '../webcrypto-keys';

// Makes envelope-v1.json, the saved Envelope v1 test vectors. Run by hand, never by a test:
//
//   npx tsx src/shared/crypto/vectors/make-envelope-vectors.ts > src/shared/crypto/vectors/envelope-v1.json
//   npx prettier --write src/shared/crypto/vectors/envelope-v1.json
//
// The saved file is a fixture of a frozen format: once committed, do not regenerate it. To cover a new
// case, add vectors (sealed by the new code) beside the old ones; every vector ever saved must keep
// opening. The keys it makes are published and TEST-ONLY. It uses only WebCrypto and console, so it runs
// wherever this folder does.

const env = webCryptoEnv(globalThis.crypto);

const KEY_BITS = { alice: 1024, bob: 2048, carol: 1024 } as const;
type Person = keyof typeof KEY_BITS;

interface TestKey {
  bits: number;
  spki: string;
  pkcs8: string;
  fingerprint: string;
}

async function makeKey(bits: number): Promise<TestKey> {
  const pair = await env.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['encrypt', 'decrypt'],
  );
  const spki = new Uint8Array(await env.subtle.exportKey('spki', pair.publicKey));
  const pkcs8 = new Uint8Array(await env.subtle.exportKey('pkcs8', pair.privateKey));
  return {
    bits,
    spki: toBase64Url(spki),
    pkcs8: toBase64Url(pkcs8),
    fingerprint: await fingerprintSpki(env, spki),
  };
}

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'; // 25 bytes, one character
const FACES = ['\u{1F600}', '\u{1F60D}', '\u{1F914}', '\u{1F973}', '\u{1F44D}\u{1F3FD}'];

const CASES: { name: string; from: Person; to: Person; text: string }[] = [
  { name: 'hello', from: 'alice', to: 'bob', text: 'hello \u{1F30D}' },
  {
    name: 'emoji',
    from: 'bob',
    to: 'alice',
    text: `\u{1F44D}\u{1F3FD}\u{1F389}\u2764\uFE0F\u200D\u{1F525}${FAMILY}`,
  },
  {
    name: 'flag',
    from: 'alice',
    to: 'carol',
    text: '\u{1F1EB}\u{1F1F7} Bonjour \u{1F3F3}\uFE0F\u200D\u{1F308}',
  },
  {
    name: 'combining marks and CJK',
    from: 'carol',
    to: 'alice',
    text: 'Cafe\u0301 n\u0303 Z\u0351\u0358a\u0360l\u0337g\u0334o \u4F60\u597D\uFF0C\u4E16\u754C',
  },
  { name: 'lines and tabs', from: 'bob', to: 'carol', text: 'first line\nsecond\tline' },
  { name: 'one character', from: 'carol', to: 'bob', text: 'k' },
  {
    name: '160 characters (the maximum), all emoji',
    from: 'alice',
    to: 'bob',
    text: Array.from({ length: 160 }, (_, i) => FACES[i % FACES.length]).join(''),
  },
  {
    name: '1,022 bytes (the maximum)',
    from: 'bob',
    to: 'carol',
    text: FAMILY.repeat(40) + 'x'.repeat(22),
  },
];

const keys = {} as Record<Person, TestKey>;
for (const person of Object.keys(KEY_BITS) as Person[]) keys[person] = await makeKey(KEY_BITS[person]);

const vectors: {
  name: string;
  text: string;
  additionalDataHex: string;
  signedBytesSha256: string;
  envelope: EnvelopeV1;
}[] = [];
let ts = 1_767_225_600_000; // 2026-01-01T00:00:00Z
for (const { name, from, to, text } of CASES) {
  const sender = keys[from];
  const recipient = keys[to];
  const { signKey } = await importRsaPrivateKeys(env, fromBase64Url(sender.pkcs8));
  const envelope = await sealEnvelope(env, {
    from,
    to,
    ts,
    text,
    senderSignKey: signKey,
    senderPublicKey: (await importRsaPublicKeys(env, fromBase64Url(sender.spki))).encryptKey,
    recipientPublicKey: (await importRsaPublicKeys(env, fromBase64Url(recipient.spki))).encryptKey,
    senderFingerprint: sender.fingerprint,
    recipientFingerprint: recipient.fingerprint,
  });
  const signed = await env.subtle.digest('SHA-256', envelopeSignedBytes(envelope));
  vectors.push({
    name,
    text,
    additionalDataHex: toHex(envelopeAdditionalData(envelope)),
    signedBytesSha256: toHex(new Uint8Array(signed)),
    envelope,
  });
  ts += 61_001;
}

console.log(
  JSON.stringify(
    {
      about:
        'Envelope v1 test vectors (docs/envelope-v1.md). Every vector must keep opening, as recipient and as sender. ' +
        'The private keys below are published: TEST-ONLY, never use them for anything else.',
      keys: Object.fromEntries(
        Object.entries(keys).map(([person, key]) => [person, { testOnly: true, ...key }]),
      ),
      vectors,
    },
    null,
    2,
  ),
);
