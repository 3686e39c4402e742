import { messageTextProblem } from '../message-text';
import { nameProblem } from '../name-rules';
import type { EnvelopeV1 } from '../protocol/messages';
import type { CryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';
import { concatBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding';
import { isFingerprint } from './fingerprint';
import { hasExactKeys, isRecord } from '../json-shape';
import { OAEP_PARAMS, PSS_PARAMS } from './webcrypto-keys';

// Envelope v1, one per message (DESIGN §4); docs/envelope-v1.md specifies every byte. A fresh AES-256-GCM
// key encrypts the text, padded to a fixed 1,024 bytes so the ciphertext never tells how long the message
// is. That key is wrapped with RSA-OAEP-SHA-256 twice, for the recipient and for the sender, so senders
// can read their own history in any of their browsers. The sender signs every other field with
// RSA-PSS-SHA-256: GCM alone would let anyone who can wrap a key for the recipient (that is, anyone)
// forge a message, the signature is what says who wrote it.
//
// Format v1 is frozen: the saved vectors in vectors/envelope-v1.json must keep opening. A change of
// cipher, padding, encoding or fields makes v2, and v1 keeps opening.

export type { EnvelopeV1 } from '../protocol/messages';

export const ENVELOPE_V1 = 1;
export const ID_BYTES = 16;
export const IV_BYTES = 12;
export const AES_KEY_BYTES = 32;
export const TAG_BYTES = 16;
/** The 2-byte big-endian length prefix, the text and zero padding. */
export const PADDED_BYTES = 1_024;
const LENGTH_PREFIX_BYTES = 2;
export const CT_BYTES = PADDED_BYTES + TAG_BYTES;
/** The longest text the padded block holds: 1,022 bytes, as rules.ts says for compose. */
export const MAX_TEXT_BYTES = PADDED_BYTES - LENGTH_PREFIX_BYTES;
/**
 * RSA-OAEP blocks and RSA-PSS signatures are as long as the modulus: 1024, 2048 or 3072 bits. Written out
 * rather than taken from rules.ts, whose allowed key sizes may grow; v1 stays as it is.
 */
export const RSA_BLOCK_BYTES: readonly number[] = [128, 256, 384];

/** The largest `ts` JavaScript dates reach (year 275760), as in the protocol schema. */
export const MAX_TS = 8_640_000_000_000_000;

/** Domain labels: a signature or additional data made for one purpose never passes for the other. */
export const AAD_LABEL = 'ringpost/envelope/v1/aad';
export const SIGNED_LABEL = 'ringpost/envelope/v1/signed';

/** Every code openEnvelope throws; a reader shows all of them as "This message could not be verified". */
export const ENVELOPE_OPEN_ERROR_CODES = [
  'envelope_malformed',
  'envelope_version_unsupported',
  'envelope_mismatch',
  'envelope_signature_invalid',
  'envelope_unopenable',
  'envelope_padding_invalid',
] as const;

/** The fields the GCM additional data binds: who wrote to whom, when, and which message this is. */
export interface EnvelopeHeader {
  v: 1;
  id: string;
  from: string;
  to: string;
  ts: number;
}

// ---------------------------------------------------------------------------------------------------------
// Canonical encoding: a label, then each field as a 4-byte big-endian length and its bytes. Lengths make
// the encoding injective: no two different envelopes (say from "ab" to "c" and from "a" to "bc") encode
// to the same bytes, so a signature over one can never be read as a signature over another.

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

/** Integers (`v`, `ts`) as 8-byte big-endian unsigned. */
function uint64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
  return bytes;
}

function hexBytes(hex: string): Uint8Array {
  // Stryker disable next-line ArrayDeclaration: only checked 64-digit fingerprints come here, so match never fails
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** `label` and then each field, every one prefixed with its length. */
export function canonicalEncoding(label: string, fields: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return concatBytes(...[utf8(label), ...fields].flatMap((field) => [uint32(field.length), field]));
}

function headerFields(header: EnvelopeHeader): Uint8Array[] {
  return [uint64(header.v), fromBase64Url(header.id), utf8(header.from), utf8(header.to), uint64(header.ts)];
}

/** The GCM additional data: the canonical encoding of v, id, from, to and ts. */
export function envelopeAdditionalData(header: EnvelopeHeader): Uint8Array<ArrayBuffer> {
  return canonicalEncoding(AAD_LABEL, headerFields(header));
}

/** What the sender signs: the canonical encoding of every field but `sig`, in the order of the format. */
export function envelopeSignedBytes(envelope: Omit<EnvelopeV1, 'sig'>): Uint8Array<ArrayBuffer> {
  return signedBytesOf(envelope, {
    iv: fromBase64Url(envelope.iv),
    ct: fromBase64Url(envelope.ct),
    wkTo: fromBase64Url(envelope.wk.to),
    wkFrom: fromBase64Url(envelope.wk.from),
  });
}

/** The same bytes from the binary fields as bytes: the sealer has them, and need not decode its own output. */
function signedBytesOf(
  envelope: EnvelopeHeader & Pick<EnvelopeV1, 'kid'>,
  binary: { iv: Uint8Array; ct: Uint8Array; wkTo: Uint8Array; wkFrom: Uint8Array },
): Uint8Array<ArrayBuffer> {
  return canonicalEncoding(SIGNED_LABEL, [
    ...headerFields(envelope),
    hexBytes(envelope.kid.from),
    hexBytes(envelope.kid.to),
    binary.iv,
    binary.ct,
    binary.wkTo,
    binary.wkFrom,
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Padding: every plaintext is exactly 1,024 bytes, so every ciphertext is 1,040 and its length says
// nothing about the text's.

/** The 2-byte big-endian length of the UTF-8 text, the text, then zeros up to 1,024 bytes. */
export function padText(text: string): Uint8Array<ArrayBuffer> {
  const bytes = utf8(text);
  if (bytes.length > MAX_TEXT_BYTES) {
    throw new CryptoError('message_text_invalid', 'The message is too long to seal.');
  }
  const padded = new Uint8Array(PADDED_BYTES);
  new DataView(padded.buffer).setUint16(0, bytes.length);
  padded.set(bytes, LENGTH_PREFIX_BYTES);
  return padded;
}

/**
 * The text from a decrypted 1,024-byte block. Strict: a length over 1,022, a non-zero padding byte or
 * invalid UTF-8 is refused rather than repaired, so one plaintext reads one way in every implementation.
 */
export function unpadText(padded: Uint8Array): string {
  const invalid = (message: string) => new CryptoError('envelope_padding_invalid', message);
  if (padded.length !== PADDED_BYTES) throw invalid('The padded message has the wrong length.');
  const length = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint16(0);
  if (length > MAX_TEXT_BYTES) throw invalid('The message length prefix is too large.');
  const end = LENGTH_PREFIX_BYTES + length;
  if (!padded.subarray(end).every((byte) => byte === 0)) throw invalid('The message padding is not zero.');
  try {
    return fromUtf8(padded.subarray(LENGTH_PREFIX_BYTES, end));
  } catch (cause) {
    // Stryker disable next-line ObjectLiteral: the cause is for a developer's console; nothing reads it
    throw new CryptoError('envelope_padding_invalid', 'The message is not valid UTF-8.', { cause });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Shape: checked before any crypto, without zod (this folder runs in the worker, which does not load it).
// Stricter than the protocol schema where bytes matter: every binary field must decode to its exact size.

function malformed(message: string): never {
  throw new CryptoError('envelope_malformed', message);
}

function decodedLength(value: unknown, name: string): number {
  if (typeof value !== 'string') return malformed(`The envelope's ${name} is not a string.`);
  try {
    return fromBase64Url(value).length;
  } catch {
    return malformed(`The envelope's ${name} is not base64url.`);
  }
}

function checkBinary(value: unknown, name: string, isLength: (length: number) => boolean): string {
  if (!isLength(decodedLength(value, name))) malformed(`The envelope's ${name} has the wrong length.`);
  return value as string;
}

/** Names inside an envelope are already normalized (name-rules.ts) and are compared byte for byte. */
function checkName(value: unknown, name: string): string {
  if (typeof value !== 'string' || nameProblem(value) !== null) {
    malformed(`The envelope's ${name} is not a normalized community name.`);
  }
  return value;
}

function checkHeader(value: Record<string, unknown>): EnvelopeHeader {
  if (!Number.isSafeInteger(value.ts) || (value.ts as number) < 0 || (value.ts as number) > MAX_TS) {
    malformed("The envelope's time is not a time.");
  }
  return {
    v: ENVELOPE_V1,
    id: checkBinary(value.id, 'id', (n) => n === ID_BYTES),
    from: checkName(value.from, 'sender'),
    to: checkName(value.to, 'recipient'),
    ts: value.ts as number,
  };
}

function checkPair(value: unknown, name: string): Record<string, unknown> {
  if (!isRecord(value) || !hasExactKeys(value, ['from', 'to']))
    malformed(`The envelope's ${name} are malformed.`);
  return value;
}

/**
 * Checks an envelope from the network or storage and returns a clean copy. The version is read first, so
 * a later format is reported as such and not as a malformed v1.
 */
export function parseEnvelope(value: unknown): EnvelopeV1 {
  if (!isRecord(value)) malformed('The envelope is not an object.');
  if (value.v !== ENVELOPE_V1) {
    if (typeof value.v === 'number') {
      throw new CryptoError('envelope_version_unsupported', `Envelope version ${value.v} is not supported.`);
    }
    malformed('The envelope has no version.');
  }
  if (!hasExactKeys(value, ['v', 'id', 'from', 'to', 'ts', 'kid', 'iv', 'ct', 'wk', 'sig'])) {
    malformed('The envelope has missing or unexpected fields.');
  }
  const kid = checkPair(value.kid, 'key ids');
  if (!isFingerprint(kid.from) || !isFingerprint(kid.to)) malformed("The envelope's key ids are malformed.");
  const wk = checkPair(value.wk, 'wrapped keys');
  const isRsaBlock = (length: number) => RSA_BLOCK_BYTES.includes(length);
  return {
    ...checkHeader(value),
    kid: { from: kid.from, to: kid.to },
    iv: checkBinary(value.iv, 'IV', (n) => n === IV_BYTES),
    ct: checkBinary(value.ct, 'ciphertext', (n) => n === CT_BYTES),
    wk: {
      to: checkBinary(wk.to, 'wrapped key', isRsaBlock),
      from: checkBinary(wk.from, 'wrapped key', isRsaBlock),
    },
    sig: checkBinary(value.sig, 'signature', isRsaBlock),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Seal and open.

export interface SealEnvelopeInput {
  /** 16 bytes, base64url; drawn fresh when absent. A retry reuses its first id, which the server dedupes. */
  id?: string;
  /** Normalized community names (name-rules.ts). */
  from: string;
  to: string;
  /** The sender's clock, ms since the epoch. */
  ts: number;
  text: string;
  /** The sender's RSA-PSS-SHA-256 private key (usage sign); may be non-extractable. */
  senderSignKey: CryptoKey;
  /** The sender's own RSA-OAEP-SHA-256 public key (usage encrypt), for `wk.from`. */
  senderPublicKey: CryptoKey;
  /** The recipient's RSA-OAEP-SHA-256 public key (usage encrypt), for `wk.to`; the pinned one. */
  recipientPublicKey: CryptoKey;
  /** SHA-256 of each public key's SPKI; the caller computes them from the very bytes it imported. */
  senderFingerprint: string;
  recipientFingerprint: string;
}

export async function sealEnvelope(
  { subtle, randomBytes }: Pick<CryptoEnv, 'subtle' | 'randomBytes'>,
  input: SealEnvelopeInput,
): Promise<EnvelopeV1> {
  const problem = messageTextProblem(input.text);
  if (problem !== null) throw new CryptoError('message_text_invalid', problem);
  if (!isFingerprint(input.senderFingerprint) || !isFingerprint(input.recipientFingerprint)) {
    throw new CryptoError('invalid_fingerprint', 'A fingerprint is 64 lowercase hex digits.');
  }
  // Sealing only what would parse back: a bad name or time fails here, not on every reader's screen.
  const header = checkHeader({
    id: input.id ?? toBase64Url(randomBytes(ID_BYTES)),
    from: input.from,
    to: input.to,
    ts: input.ts,
  });

  const rawKey = randomBytes(AES_KEY_BYTES);
  // A fresh key per message, so one IV per key is enough; it is random all the same.
  const iv = randomBytes(IV_BYTES);
  const padded = padText(input.text);
  try {
    // Stryker disable next-line BooleanLiteral: the key never leaves this function; non-extractable is defence in depth
    const aesKey = await subtle.importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['encrypt']);
    const [ct, wkTo, wkFrom] = await Promise.all([
      subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: envelopeAdditionalData(header), tagLength: TAG_BYTES * 8 },
        aesKey,
        padded,
      ),
      subtle.encrypt(OAEP_PARAMS, input.recipientPublicKey, rawKey),
      subtle.encrypt(OAEP_PARAMS, input.senderPublicKey, rawKey),
    ]);
    const kid = { from: input.senderFingerprint, to: input.recipientFingerprint };
    const binary = {
      iv,
      ct: new Uint8Array(ct),
      wkTo: new Uint8Array(wkTo),
      wkFrom: new Uint8Array(wkFrom),
    };
    const sig = new Uint8Array(
      await subtle.sign(PSS_PARAMS, input.senderSignKey, signedBytesOf({ ...header, kid }, binary)),
    );
    // The header, key ids, IV and ciphertext are checked or fixed in size above; what is left are the
    // three RSA outputs, whose size follows the keys. A key of a size v1 does not allow fails here, as
    // parseEnvelope would fail it at the reader.
    const isRsaBlock = (bytes: Uint8Array) => RSA_BLOCK_BYTES.includes(bytes.length);
    if (!isRsaBlock(binary.wkTo) || !isRsaBlock(binary.wkFrom) || !isRsaBlock(sig)) {
      throw new CryptoError(
        'envelope_malformed',
        'An RSA key of a size envelope v1 does not allow was used.',
      );
    }
    return {
      ...header,
      kid,
      iv: toBase64Url(iv),
      ct: toBase64Url(binary.ct),
      wk: { to: toBase64Url(binary.wkTo), from: toBase64Url(binary.wkFrom) },
      sig: toBase64Url(sig),
    };
  } finally /* Stryker disable next-line BlockStatement: wiping is unseen from outside */ {
    // The text and the message key are secrets; drop this copy of them as soon as they are used. No test
    // can see the wipe from outside, hence the directive: it is defence in depth.
    rawKey.fill(0);
    padded.fill(0);
  }
}

/** Whether the sender's key signed every field but `sig`. */
export async function verifyEnvelopeSignature(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  envelope: EnvelopeV1,
  verifyKey: CryptoKey,
): Promise<boolean> {
  try {
    return await subtle.verify(
      PSS_PARAMS,
      verifyKey,
      fromBase64Url(envelope.sig),
      envelopeSignedBytes(envelope),
    );
  } catch /* Stryker disable next-line BlockStatement: not reached here */ {
    // A signature of another key's size makes some implementations throw instead of answering false.
    // Node answers false, so the tests never reach this block; it is for those browsers.
    // Stryker disable next-line BooleanLiteral: as above, reached only in browsers that throw
    return false;
  }
}

/** What the reader already trusts, from its pins and its own identity; never taken from the envelope. */
export interface EnvelopeExpectation {
  from: string;
  to: string;
  /** The pinned fingerprint of the sender's key. */
  kidFrom: string;
  /** The pinned fingerprint of the recipient's key. */
  kidTo: string;
}

export interface OpenEnvelopeInput {
  envelope: unknown;
  /** The reader's RSA-OAEP-SHA-256 private key (usage unwrapKey); may be non-extractable. */
  decryptKey: CryptoKey;
  /** Which wrapped key to use: the recipient's `wk.to` or, for one's own sent messages, `wk.from`. */
  as: 'recipient' | 'sender';
  /** The sender's RSA-PSS-SHA-256 public key, imported from the SPKI whose fingerprint is `kidFrom`. */
  senderVerifyKey: CryptoKey;
  expected: EnvelopeExpectation;
}

export interface OpenedMessage {
  id: string;
  from: string;
  to: string;
  ts: number;
  text: string;
}

/**
 * Opens an envelope, checking in this order: shape, version, that it names the expected people and keys,
 * the signature, then the unwrap and GCM (which checks the header as additional data), then the padding
 * and UTF-8. The signature comes before any private-key operation, so a forged envelope never reaches the
 * decryption key, and a message is only ever shown as written by the key that signed it.
 */
export async function openEnvelope(
  env: Pick<CryptoEnv, 'subtle'>,
  input: OpenEnvelopeInput,
): Promise<OpenedMessage> {
  const envelope = parseEnvelope(input.envelope);
  const { expected } = input;
  if (
    envelope.from !== expected.from ||
    envelope.to !== expected.to ||
    envelope.kid.from !== expected.kidFrom ||
    envelope.kid.to !== expected.kidTo
  ) {
    throw new CryptoError('envelope_mismatch', 'The envelope does not name the expected people and keys.');
  }
  if (!(await verifyEnvelopeSignature(env, envelope, input.senderVerifyKey))) {
    throw new CryptoError('envelope_signature_invalid', "The envelope's signature is not the sender's.");
  }
  const padded = await decryptPadded(env, envelope, input);
  try {
    return {
      id: envelope.id,
      from: envelope.from,
      to: envelope.to,
      ts: envelope.ts,
      text: unpadText(padded),
    };
  } finally /* Stryker disable next-line BlockStatement: wiping is unseen from outside */ {
    // Defence in depth that no test can see from outside, hence the directive.
    padded.fill(0);
  }
}

async function decryptPadded(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  envelope: EnvelopeV1,
  { decryptKey, as }: Pick<OpenEnvelopeInput, 'decryptKey' | 'as'>,
): Promise<Uint8Array<ArrayBuffer>> {
  const wrapped = as === 'recipient' ? envelope.wk.to : envelope.wk.from;
  try {
    // unwrapKey keeps the message key inside WebCrypto: script never holds its bytes.
    const aesKey = await subtle.unwrapKey(
      'raw',
      fromBase64Url(wrapped),
      decryptKey,
      OAEP_PARAMS,
      { name: 'AES-GCM' },
      // Stryker disable next-line BooleanLiteral: the key never leaves this function; defence in depth
      false,
      ['decrypt'],
    );
    // A 16- or 24-byte key would unwrap as AES-128 or AES-192; v1 is AES-256 only.
    if ((aesKey.algorithm as { length?: unknown }).length !== AES_KEY_BYTES * 8) {
      // Stryker disable next-line StringLiteral: caught below and reported as envelope_unopenable
      throw new Error('The message key is not AES-256.');
    }
    const plain = await subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: fromBase64Url(envelope.iv),
        additionalData: envelopeAdditionalData(envelope),
        tagLength: TAG_BYTES * 8,
      },
      aesKey,
      fromBase64Url(envelope.ct),
    );
    return new Uint8Array(plain);
  } catch (cause) {
    // A wrong private key, a key wrapped for someone else and an altered ciphertext all fail here alike.
    // Stryker disable next-line ObjectLiteral: the cause is for a developer's console; nothing reads it
    throw new CryptoError('envelope_unopenable', 'The envelope does not open with this key.', { cause });
  }
}
