import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

// This browser's copy of the user's private keys. They are WebCrypto keys imported non-extractable in the
// crypto worker: IndexedDB stores them by structured clone, and script on the page can use them to
// decrypt and sign but can never read their bytes. The server holds only the wrapped backup.

export interface DeviceKeys {
  /** Normalized account name: one browser may be used by several accounts in turn. */
  accountName: string;
  fingerprint: string;
  /** SubjectPublicKeyInfo DER, base64url. */
  publicKey: string;
  keyBits: number;
  /** RSA-OAEP-SHA-256, non-extractable. */
  decryptKey: CryptoKey;
  /** RSA-PSS-SHA-256, non-extractable. */
  signKey: CryptoKey;
  storedAt: number;
}

interface RingpostDb extends DBSchema {
  keys: { key: string; value: DeviceKeys };
}

export const DATABASE_NAME = 'ringpost';
const DATABASE_VERSION = 1;

let database: Promise<IDBPDatabase<RingpostDb>> | null = null;

function openDatabase(): Promise<IDBPDatabase<RingpostDb>> {
  database ??= openDB<RingpostDb>(DATABASE_NAME, DATABASE_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) db.createObjectStore('keys', { keyPath: 'accountName' });
    },
    // Another tab deleted or upgraded the database: reopen on next use instead of failing forever.
    blocking() {
      void database?.then((db) => db.close());
      database = null;
    },
    terminated() {
      database = null;
    },
  });
  return database;
}

export async function loadDeviceKeys(accountName: string): Promise<DeviceKeys | null> {
  return (await (await openDatabase()).get('keys', accountName)) ?? null;
}

export async function saveDeviceKeys(keys: DeviceKeys): Promise<void> {
  await (await openDatabase()).put('keys', keys);
}

export async function deleteDeviceKeys(accountName: string): Promise<void> {
  await (await openDatabase()).delete('keys', accountName);
}

export type StoragePersistence = 'persistent' | 'best-effort' | 'unsupported';

/** Asks the browser not to evict this site's storage under pressure; the answer is the browser's to give. */
export async function requestPersistentStorage(): Promise<StoragePersistence> {
  if (typeof navigator.storage?.persist !== 'function') return 'unsupported';
  try {
    if (await navigator.storage.persisted()) return 'persistent';
    return (await navigator.storage.persist()) ? 'persistent' : 'best-effort';
  } catch {
    return 'best-effort';
  }
}

export async function storagePersistence(): Promise<StoragePersistence> {
  if (typeof navigator.storage?.persisted !== 'function') return 'unsupported';
  return (await navigator.storage.persisted()) ? 'persistent' : 'best-effort';
}
