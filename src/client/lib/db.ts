import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { MessageRecord } from './message-store';
import type { OutboxItem } from './outbox/outbox-machine';
import type { LocalPins } from './pins/pin-sync';
import type { PushPosition } from './push-position';

// This browser's one IndexedDB database: every object store and every change to them lives here, as an
// ordered list of migrations. A browser may hold a database of any earlier version, and its data (the
// private keys above all) must survive each upgrade, so a released migration is never edited, reordered
// or removed; a change is a new migration at the end of the list. Read marks will come as one.

/**
 * This browser's copy of the user's private keys: WebCrypto keys imported non-extractable in the crypto
 * worker. IndexedDB stores them by structured clone, and script on the page can use them to decrypt and
 * sign but can never read their bytes. The server holds only the wrapped backup.
 */
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

export interface RingpostDb extends DBSchema {
  /** Since version 1. */
  keys: { key: string; value: DeviceKeys };
  /** Since version 2: this browser's copy of the pinned fingerprints (lib/pins/pin-store.ts). */
  pins: { key: string; value: LocalPins };
  /**
   * Since version 3: messages sealed but not yet stored by the server (lib/outbox/outbox-store.ts), one
   * record per envelope id, found by account.
   */
  outbox: { key: string; value: OutboxItem; indexes: { accountName: string } };
  /**
   * Since version 4: every message sent or received in this browser, still sealed (lib/message-store.ts),
   * keyed by account and envelope id, listed by account in the sender's time order.
   */
  messages: {
    key: [string, string];
    value: MessageRecord;
    indexes: { 'account-time': [string, number] };
  };
  /** Since version 5: how far each account's push channel has read (lib/push-position.ts). */
  push: { key: string; value: PushPosition };
}

export type RingpostDatabase = IDBPDatabase<RingpostDb>;

/** Upgrades the database by one version, inside the browser's version-change transaction. */
export type Migration = (
  db: RingpostDatabase,
  transaction: IDBPTransaction<RingpostDb, StoreNames<RingpostDb>[], 'versionchange'>,
) => void;

/** migrations[i] takes version i to version i + 1. Append only. */
export const migrations: readonly Migration[] = [
  // 1: private keys, one record per account.
  (db) => {
    db.createObjectStore('keys', { keyPath: 'accountName' });
  },
  // 2: pinned fingerprints of Ring members, one record per account.
  (db) => {
    db.createObjectStore('pins', { keyPath: 'accountName' });
  },
  // 3: the outbox, keyed by envelope id; several accounts may each have messages waiting in one browser.
  (db) => {
    db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('accountName', 'accountName');
  },
  // 4: messages, sealed as they arrived; the same id from two accounts of one browser stays two records.
  (db) => {
    db.createObjectStore('messages', { keyPath: ['accountName', 'id'] }).createIndex('account-time', [
      'accountName',
      'sentAt',
    ]);
  },
  // 5: the push channel's position, one record per account, so a reopened page resumes where it stopped.
  (db) => {
    db.createObjectStore('push', { keyPath: 'accountName' });
  },
];

export const DATABASE_NAME = 'ringpost';

/** Runs the migrations an upgrade from `oldVersion` to `newVersion` needs, in order, and no others. */
export function migrationsBetween(
  list: readonly Migration[],
  oldVersion: number,
  newVersion: number,
): readonly Migration[] {
  return list.slice(oldVersion, newVersion);
}

/**
 * Opens (creating or upgrading) a database at the version its migrations reach. The name and the list
 * are parameters so tests can open a throwaway database and add a migration of their own.
 */
export function openRingpostDb(
  options: {
    name?: string;
    migrations?: readonly Migration[];
    /** Another tab wants to upgrade or delete the database: close so it is not blocked. */
    onBlocking?: () => void;
    /** The browser closed the connection (e.g. site data cleared). */
    onTerminated?: () => void;
  } = {},
): Promise<RingpostDatabase> {
  const list = options.migrations ?? migrations;
  return openDB<RingpostDb>(options.name ?? DATABASE_NAME, list.length, {
    upgrade(db, oldVersion, newVersion, transaction) {
      for (const migrate of migrationsBetween(list, oldVersion, newVersion ?? list.length)) {
        migrate(db, transaction);
      }
    },
    blocking: options.onBlocking,
    terminated: options.onTerminated,
  });
}

let database: Promise<RingpostDatabase> | null = null;

/** The app's connection, opened on first use and reopened after another tab upgraded or deleted it. */
export function ringpostDb(): Promise<RingpostDatabase> {
  database ??= openRingpostDb({
    onBlocking() {
      void database?.then((db) => db.close());
      database = null;
    },
    onTerminated() {
      database = null;
    },
  });
  return database;
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
