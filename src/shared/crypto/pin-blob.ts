import { nameProblem, normalizeName } from '../name-rules';
import type { CryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';
import { concatBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding';
import { isFingerprint } from './fingerprint';
import { hasExactKeys, isRecord } from '../json-shape';

// The pinned fingerprints of the user's Ring members (DESIGN §1.4). The server is not trusted to hand out
// keys, so each browser remembers the key it trusted for each member; the pins travel between the user's
// browsers as one blob sealed with the account's wrap key, which the server never sees. GCM also detects
// tampering, so the server can withhold or replay the blob but never edit a pin. The additional data
// binds the blob to its account, and its label keeps it apart from the key backup sealed with the same key.
//
// Format v1 is frozen: a saved v1 blob lives in pin-blob.test.ts and must keep opening. A change of
// cipher, additional data, encoding or plaintext shape makes v2, and v1 keeps opening.

export const PIN_BLOB_VERSION = 1;
const AAD_LABEL = 'ringpost/pins/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The server stores at most 200,000 base64url characters of ciphertext (protocol/ring.ts): 150,000 bytes. */
export const PIN_BLOB_MAX_CT_BYTES = 150_000;
export const PIN_SET_MAX_PLAINTEXT_BYTES = PIN_BLOB_MAX_CT_BYTES - TAG_BYTES;
// Bounds for a parsed set, so a hostile or corrupt copy cannot make the page do unbounded work. A full
// set of this many members would not fit in one blob; sealing refuses what does not fit.
export const PIN_SET_MAX_MEMBERS = 10_000;
export const PIN_RECORD_MAX_KEY_CHANGES = 100;

/** A served key that differed from the pin: kept in the member's record as evidence, even once resolved. */
export interface KeyChange {
  /** The different key's fingerprint, as this browser computed it from the served key. */
  fingerprint: string;
  detectedAt: number;
  /** When the user compared fingerprints again and marked this key as verified; null while open. */
  resolvedAt: number | null;
}

export interface PinRecord {
  /** The fingerprint the user trusts for the member, 64 lowercase hex digits. */
  fingerprint: string;
  /** When this fingerprint became the pin. */
  pinnedAt: number;
  /** When the user last compared this fingerprint out of band; null for a pin taken on first sight. */
  verifiedAt: number | null;
  updatedAt: number;
  keyChanges: KeyChange[];
}

export interface PinSetV1 {
  v: 1;
  /** Keyed by normalized community name. */
  members: Record<string, PinRecord>;
}

export type PinSet = PinSetV1;

export interface PinBlobV1 {
  v: 1;
  /** 12 random bytes, base64url. */
  iv: string;
  /** AES-256-GCM ciphertext and 16-byte tag of the pin set as UTF-8 JSON, base64url. */
  ct: string;
}

export type PinBlob = PinBlobV1;

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, bytes.length);
  return concatBytes(prefix, bytes);
}

/** Length-prefixed fields, so no two different contexts can encode to the same bytes. */
export function pinBlobAdditionalData(accountName: string): Uint8Array<ArrayBuffer> {
  return concatBytes(lengthPrefixed(utf8(AAD_LABEL)), lengthPrefixed(utf8(normalizeName(accountName))));
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function blobMalformed(message: string): never {
  throw new CryptoError('pins_malformed', message);
}

function decodedLength(value: string, name: string): number {
  try {
    return fromBase64Url(value).length;
  } catch {
    return blobMalformed(`The pin blob's ${name} is not base64url.`);
  }
}

/** Checks the shape of a stored blob (e.g. from JSON) before any decryption is attempted. */
export function parsePinBlob(value: unknown): PinBlob {
  if (!isRecord(value)) blobMalformed('The pin blob is not an object.');
  const { v, iv, ct } = value;
  if (v !== PIN_BLOB_VERSION) {
    if (typeof v === 'number') {
      throw new CryptoError('pins_version_unsupported', `Pin blob version ${v} is not supported.`);
    }
    blobMalformed('The pin blob has no version.');
  }
  if (!hasExactKeys(value, ['v', 'iv', 'ct'])) blobMalformed('The pin blob has unexpected fields.');
  if (typeof iv !== 'string' || typeof ct !== 'string')
    blobMalformed('The pin blob lacks its IV or ciphertext.');
  if (decodedLength(iv, 'IV') !== IV_BYTES) blobMalformed('The pin blob IV must be 12 bytes.');
  const ctLength = decodedLength(ct, 'ciphertext');
  if (ctLength <= TAG_BYTES || ctLength > PIN_BLOB_MAX_CT_BYTES) {
    blobMalformed('The pin blob ciphertext has a bad length.');
  }
  return { v: PIN_BLOB_VERSION, iv, ct };
}

function parseKeyChange(value: unknown, where: string): KeyChange {
  if (!isRecord(value) || !hasExactKeys(value, ['fingerprint', 'detectedAt', 'resolvedAt'])) {
    blobMalformed(`A key change of ${where} is not a key change.`);
  }
  const { fingerprint, detectedAt, resolvedAt } = value;
  if (!isFingerprint(fingerprint)) blobMalformed(`A key change of ${where} has a bad fingerprint.`);
  if (!isTime(detectedAt) || (resolvedAt !== null && !isTime(resolvedAt))) {
    blobMalformed(`A key change of ${where} has a bad time.`);
  }
  return { fingerprint, detectedAt, resolvedAt };
}

function parsePinRecord(value: unknown, name: string): PinRecord {
  const fields = ['fingerprint', 'pinnedAt', 'verifiedAt', 'updatedAt', 'keyChanges'];
  if (!isRecord(value) || !hasExactKeys(value, fields)) blobMalformed(`The pin of ${name} is not a pin.`);
  const { fingerprint, pinnedAt, verifiedAt, updatedAt, keyChanges } = value;
  if (!isFingerprint(fingerprint)) blobMalformed(`The pin of ${name} has a bad fingerprint.`);
  if (!isTime(pinnedAt) || !isTime(updatedAt) || (verifiedAt !== null && !isTime(verifiedAt))) {
    blobMalformed(`The pin of ${name} has a bad time.`);
  }
  if (!Array.isArray(keyChanges) || keyChanges.length > PIN_RECORD_MAX_KEY_CHANGES) {
    blobMalformed(`The pin of ${name} has a bad list of key changes.`);
  }
  return {
    fingerprint,
    pinnedAt,
    verifiedAt,
    updatedAt,
    keyChanges: keyChanges.map((change) => parseKeyChange(change, name)),
  };
}

/**
 * Checks a pin set field by field and returns a fresh copy with members in name order, so equal sets
 * serialize to equal JSON. Used on every copy read back, whether opened from a blob or from IndexedDB.
 */
export function parsePinSet(value: unknown): PinSet {
  if (!isRecord(value)) blobMalformed('The pin set is not an object.');
  if (value.v !== PIN_BLOB_VERSION) {
    if (typeof value.v === 'number') {
      throw new CryptoError('pins_version_unsupported', `Pin set version ${value.v} is not supported.`);
    }
    blobMalformed('The pin set has no version.');
  }
  if (!hasExactKeys(value, ['v', 'members']) || !isRecord(value.members)) {
    blobMalformed('The pin set has unexpected fields.');
  }
  const names = Object.keys(value.members);
  if (names.length > PIN_SET_MAX_MEMBERS) blobMalformed('The pin set has too many members.');
  const members: Record<string, PinRecord> = {};
  for (const name of names.sort()) {
    // Keys are compared as they are written; a spelling that is not the normalized form would never match.
    // Stryker disable next-line ConditionalExpression: nameProblem admits only a-z0-9._-, which normalizing keeps
    if (normalizeName(name) !== name || nameProblem(name) !== null) {
      blobMalformed('The pin set names a member with an invalid community name.');
    }
    members[name] = parsePinRecord(value.members[name], name);
  }
  return { v: PIN_BLOB_VERSION, members };
}

export async function sealPinSet(
  { subtle, randomBytes }: Pick<CryptoEnv, 'subtle' | 'randomBytes'>,
  input: { wrapKey: CryptoKey; accountName: string; pins: PinSet },
): Promise<PinBlobV1> {
  // Sealing only what would parse back keeps a bad set from being locked away where no browser can read it.
  const plain = utf8(JSON.stringify(parsePinSet(input.pins)));
  // Stryker disable next-line EqualityOperator: a set of exactly the limit is not built; the test seals the largest that fits
  if (plain.length > PIN_SET_MAX_PLAINTEXT_BYTES) {
    throw new CryptoError('pins_too_large', 'There are too many pinned fingerprints to save in one blob.');
  }
  // A fresh random IV per blob: GCM loses both secrecy and integrity if a key ever reuses one.
  const iv = randomBytes(IV_BYTES);
  const ct = await subtle.encrypt(
    {
      name: 'AES-GCM',
      iv,
      additionalData: pinBlobAdditionalData(input.accountName),
      tagLength: TAG_BYTES * 8,
    },
    input.wrapKey,
    plain,
  );
  return { v: PIN_BLOB_VERSION, iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) };
}

/**
 * A wrong wrap key (wrong password), another account's blob and any altered byte all fail the same way,
 * as GCM cannot tell them apart.
 */
export async function openPinSet(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  input: { wrapKey: CryptoKey; accountName: string; blob: unknown },
): Promise<PinSet> {
  const blob = parsePinBlob(input.blob);
  let plain: ArrayBuffer;
  try {
    plain = await subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: fromBase64Url(blob.iv),
        additionalData: pinBlobAdditionalData(input.accountName),
        tagLength: TAG_BYTES * 8,
      },
      input.wrapKey,
      fromBase64Url(blob.ct),
    );
  } catch (cause) {
    throw new CryptoError(
      'pins_unopenable',
      'The pinned fingerprints saved on the server do not open with this password for this account.',
      // Stryker disable next-line ObjectLiteral: the cause is for a developer's console; nothing reads it
      { cause },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(new Uint8Array(plain)));
  } catch (cause) {
    throw new CryptoError('pins_malformed', 'The pin set is not UTF-8 JSON.', { cause });
  }
  return parsePinSet(parsed);
}
