import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Envelopes at rest (DESIGN §4, PrivateGSM's "local temporary storage is encrypted with server key"): the
// server cannot open an envelope, but a copied database file should not hand out even the ciphertexts and
// their metadata. Each stored envelope is sealed with AES-256-GCM under a versioned server key, with the
// row's identity (sender and message id) as additional data, so a sealed value moved to another row fails.

/** One server key: 32 bytes and the version rows record, so keys can be rotated. */
export interface ServerKey {
  version: number;
  key: Uint8Array;
}

export interface Sealed {
  sealed: string;
  keyVersion: number;
}

export interface ServerKeyring {
  /** Seals under the newest key. */
  seal(plaintext: string, aad: string): Sealed;
  /** Throws when the key version is unknown, the key is wrong, or the value or its row was changed. */
  open(sealed: Sealed, aad: string): string;
  readonly currentVersion: number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reads `v1:KEY,v2:KEY` (or one bare KEY, taken as version 1), each KEY 32 bytes in base64url. Returns the
 * keys, or a sentence saying what is wrong (never quoting the key).
 */
export function parseServerKeys(text: string): ServerKey[] | string {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) return 'expected v1:KEY with KEY 32 bytes in base64url';
  const keys: ServerKey[] = [];
  for (const part of parts) {
    const match = /^(?:v(\d{1,6}):)?(.*)$/.exec(part);
    const version = match?.[1] === undefined ? (parts.length === 1 ? 1 : null) : Number(match[1]);
    const encoded = match?.[2] ?? '';
    if (version === null) return 'with several keys, give each a version: v1:KEY,v2:KEY';
    if (version < 1) return 'key versions start at v1';
    if (!KEY_PATTERN.test(encoded)) return `key v${version} is not 32 bytes in base64url (43 characters)`;
    if (keys.some((key) => key.version === version)) return `key v${version} is given twice`;
    keys.push({ version, key: new Uint8Array(Buffer.from(encoded, 'base64url')) });
  }
  return keys.sort((a, b) => a.version - b.version);
}

export function formatServerKeys(keys: ServerKey[]): string {
  return keys.map((key) => `v${key.version}:${Buffer.from(key.key).toString('base64url')}`).join(',');
}

/** A fresh key, as written to a new data directory (and used by tests). */
export function generateServerKey(version = 1): ServerKey {
  return { version, key: new Uint8Array(randomBytes(32)) };
}

/**
 * The keys from `RINGPOST_SERVER_KEY` when given; otherwise from `DATA_DIR/server-key`, made (0600, never
 * overwritten) on first start. Several instances on one PostgreSQL database must share the variable.
 */
export function loadServerKeys(given: ServerKey[] | null, dataDir: string): ServerKey[] {
  if (given) return given;
  const file = join(dataDir, 'server-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      // 'wx' fails if another process made the file meanwhile; that process's key is then read below.
      writeFileSync(file, `${formatServerKeys([generateServerKey()])}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  const parsed = parseServerKeys(readFileSync(file, 'utf8'));
  if (typeof parsed === 'string') throw new Error(`The server key file ${file} is not valid: ${parsed}.`);
  return parsed;
}

export function serverKeyring(keys: ServerKey[]): ServerKeyring {
  const byVersion = new Map(keys.map((key) => [key.version, key.key]));
  const newest = keys.reduce<ServerKey | null>(
    (best, key) => (best === null || key.version > best.version ? key : best),
    null,
  );
  if (!newest || newest.key.length !== 32) throw new Error('A server key of 32 bytes is needed.');
  return {
    currentVersion: newest.version,
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', newest.key, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const sealed = Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
      return { sealed, keyVersion: newest.version };
    },
    open({ sealed, keyVersion }, aad) {
      const key = byVersion.get(keyVersion);
      if (!key) throw new Error(`No server key v${keyVersion} is configured.`);
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('The sealed value is too short.');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return plain.toString('utf8');
    },
  };
}

/** The additional data that binds a sealed envelope to its row. */
export function messageAad(senderId: string, messageId: string): string {
  return `ringpost/message/v1\u0000${senderId}\u0000${messageId}`;
}
