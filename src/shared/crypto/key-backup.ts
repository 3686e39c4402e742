import { normalizeName } from '../name-rules';
import type { CryptoEnv } from './crypto-env';
import { CryptoError } from './crypto-error';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding';
import { isFingerprint } from './fingerprint';
import { isRecord } from '../json-shape';

// The private key's backup on the server (DESIGN §4): PKCS#8 under AES-256-GCM with the account's wrap
// key, which the server never sees. GCM also detects tampering, and its additional data binds the backup
// to its account and public key, so the server cannot hand one account's backup to another or pair a
// backup with a different published key; either way it fails to open.
//
// Format v1 is frozen: a saved v1 backup lives in key-backup.test.ts and must keep opening. A change of
// cipher, additional data or encoding makes v2, and v1 keeps opening.

export const KEY_BACKUP_VERSION = 1;
const AAD_LABEL = 'ringpost/key-backup/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// A 3072-bit PKCS#8 key is about 1,800 bytes; anything far larger is not a backup.
const MAX_CT_BYTES = 4_096 + TAG_BYTES;

export interface KeyBackupV1 {
  v: 1;
  /** 12 random bytes, base64url. */
  iv: string;
  /** AES-256-GCM ciphertext and 16-byte tag of the PKCS#8 DER, base64url. */
  ct: string;
}

export type KeyBackup = KeyBackupV1;

export interface KeyBackupContext {
  /** The account name; normalized here as for key derivation, so any spelling of it binds the same. */
  accountName: string;
  /** The public key's fingerprint, 64 lowercase hex digits. */
  fingerprint: string;
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, bytes.length);
  return concatBytes(prefix, bytes);
}

/** Length-prefixed fields, so no two different contexts can encode to the same bytes. */
export function keyBackupAdditionalData(context: KeyBackupContext): Uint8Array<ArrayBuffer> {
  if (!isFingerprint(context.fingerprint)) {
    throw new CryptoError('invalid_fingerprint', 'A fingerprint is 64 lowercase hex digits.');
  }
  return concatBytes(
    lengthPrefixed(utf8(AAD_LABEL)),
    lengthPrefixed(utf8(normalizeName(context.accountName))),
    lengthPrefixed(utf8(context.fingerprint)),
  );
}

function malformed(message: string): never {
  throw new CryptoError('backup_malformed', message);
}

function decodedLength(value: string, name: string): number {
  try {
    return fromBase64Url(value).length;
  } catch {
    return malformed(`The key backup's ${name} is not base64url.`);
  }
}

/** Checks the shape of a stored backup (e.g. from JSON) before any decryption is attempted. */
export function parseKeyBackup(value: unknown): KeyBackup {
  if (!isRecord(value)) malformed('The key backup is not an object.');
  const { v, iv, ct } = value;
  if (v !== KEY_BACKUP_VERSION) {
    if (typeof v === 'number') {
      throw new CryptoError('backup_version_unsupported', `Key backup version ${v} is not supported.`);
    }
    malformed('The key backup has no version.');
  }
  if (Object.keys(value).length !== 3) malformed('The key backup has unexpected fields.');
  if (typeof iv !== 'string' || typeof ct !== 'string')
    malformed('The key backup lacks its IV or ciphertext.');
  if (decodedLength(iv, 'IV') !== IV_BYTES) malformed('The key backup IV must be 12 bytes.');
  const ctLength = decodedLength(ct, 'ciphertext');
  if (ctLength <= TAG_BYTES || ctLength > MAX_CT_BYTES) {
    malformed('The key backup ciphertext has a bad length.');
  }
  return { v: KEY_BACKUP_VERSION, iv, ct };
}

export async function sealKeyBackup(
  { subtle, randomBytes }: Pick<CryptoEnv, 'subtle' | 'randomBytes'>,
  input: KeyBackupContext & { wrapKey: CryptoKey; pkcs8: Uint8Array },
): Promise<KeyBackupV1> {
  const additionalData = keyBackupAdditionalData(input);
  // A fresh random IV per backup: GCM loses both secrecy and integrity if a key ever reuses one.
  const iv = randomBytes(IV_BYTES);
  const ct = await subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData, tagLength: TAG_BYTES * 8 },
    input.wrapKey,
    new Uint8Array(input.pkcs8),
  );
  return { v: KEY_BACKUP_VERSION, iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) };
}

/**
 * Returns the PKCS#8 DER. A wrong wrap key (wrong password), another account's or another key's backup,
 * and any altered byte all fail the same way, as GCM cannot tell them apart.
 */
export async function openKeyBackup(
  { subtle }: Pick<CryptoEnv, 'subtle'>,
  input: KeyBackupContext & { wrapKey: CryptoKey; backup: unknown },
): Promise<Uint8Array<ArrayBuffer>> {
  const backup = parseKeyBackup(input.backup);
  const additionalData = keyBackupAdditionalData(input);
  try {
    const plain = await subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(backup.iv), additionalData, tagLength: TAG_BYTES * 8 },
      input.wrapKey,
      fromBase64Url(backup.ct),
    );
    return new Uint8Array(plain);
  } catch (cause) {
    throw new CryptoError(
      'backup_unopenable',
      'The key backup does not open with this password for this account and key.',
      { cause },
    );
  }
}
