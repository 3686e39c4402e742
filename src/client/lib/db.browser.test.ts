import type { IDBPDatabase } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { importRsaPrivateKeys, OAEP_PARAMS, PSS_PARAMS } from '../../shared/crypto/webcrypto-keys';
import {
  DATABASE_NAME,
  migrations,
  openRingpostDb,
  type DeviceKeys,
  type Migration,
  type RingpostDatabase,
} from './db';
import { deleteDeviceKeys, loadDeviceKeys, storeDeviceKeys } from './device-keys';

// Runs in Chromium (vitest's browser project): only a real browser's IndexedDB stores CryptoKeys, and a
// migration's worst failure is losing the private keys a user already has.

/** What the app's schema is today; a new migration changes this list on purpose. */
const CURRENT_STORES = ['keys', 'pins', 'outbox', 'messages', 'push'];
const subtle = crypto.subtle;
const opened: string[] = [];
const message = new TextEncoder().encode('where did we last meet?');

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error('could not delete'));
  });
}

/** Real keys as the worker makes them: imported from PKCS#8 as non-extractable OAEP and PSS keys. */
async function makeKeys(accountName: string) {
  const pair = await subtle.generateKey(
    { name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  const spki = await subtle.exportKey('spki', pair.publicKey);
  const { decryptKey, signKey } = await importRsaPrivateKeys({ subtle }, pkcs8);
  const record: DeviceKeys = {
    accountName,
    fingerprint: 'ab'.repeat(32),
    publicKey: 'MIIB',
    keyBits: 1024,
    decryptKey,
    signKey,
    storedAt: 1_700_000_000_000,
  };
  const publicKeys = {
    encryptKey: await subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, [
      'encrypt',
    ]),
    verifyKey: await subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']),
  };
  return { record, publicKeys };
}

/** Version 1 exactly as the first release wrote it, with the raw API: store `keys`, keyPath `accountName`. */
async function writeVersion1(name: string, records: DeviceKeys[]): Promise<void> {
  opened.push(name);
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore('keys', { keyPath: 'accountName' });
  const db = await request(open);
  const tx = db.transaction('keys', 'readwrite');
  for (const record of records) tx.objectStore('keys').put(record);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('write failed'));
  });
  db.close();
}

/** The record is whole, and its keys still decrypt and sign for the public key they were made with. */
async function expectUsable(
  stored: DeviceKeys | undefined | null,
  keys: Awaited<ReturnType<typeof makeKeys>>,
  expected: Omit<DeviceKeys, 'decryptKey' | 'signKey'> = keys.record,
) {
  const { accountName, fingerprint, publicKey, keyBits, storedAt } = expected;
  expect(stored).toMatchObject({ accountName, fingerprint, publicKey, keyBits, storedAt });
  if (!stored) return;
  for (const key of [stored.decryptKey, stored.signKey]) {
    expect(key).toBeInstanceOf(CryptoKey);
    expect(key.extractable).toBe(false);
    expect(key.type).toBe('private');
  }
  await expect(subtle.exportKey('pkcs8', stored.decryptKey)).rejects.toThrow();
  const ciphertext = await subtle.encrypt(OAEP_PARAMS, keys.publicKeys.encryptKey, message);
  expect(new Uint8Array(await subtle.decrypt(OAEP_PARAMS, stored.decryptKey, ciphertext))).toEqual(message);
  const signature = await subtle.sign(PSS_PARAMS, stored.signKey, message);
  expect(await subtle.verify(PSS_PARAMS, keys.publicKeys.verifyKey, signature, message)).toBe(true);
}

function expectSchema(db: RingpostDatabase, version: number, stores: string[]) {
  expect(db.version).toBe(version);
  expect([...db.objectStoreNames].sort()).toEqual([...stores].sort());
  const tx = db.transaction(['keys', 'pins']);
  for (const store of ['keys', 'pins'] as const) {
    expect(tx.objectStore(store).keyPath).toBe('accountName');
    expect(tx.objectStore(store).autoIncrement).toBe(false);
  }
  // The outbox holds one record per message, keyed by envelope id and found by account.
  const outbox = db.transaction('outbox').objectStore('outbox');
  expect(outbox.keyPath).toBe('id');
  expect(outbox.autoIncrement).toBe(false);
  expect([...outbox.indexNames]).toEqual(['accountName']);
  expect(outbox.index('accountName').keyPath).toBe('accountName');
}

afterEach(async () => {
  for (const name of opened.splice(0)) await deleteDatabase(name);
});

describe('the IndexedDB schema', () => {
  it('creates a new database at the current version with every store', async () => {
    const name = `fresh-${crypto.randomUUID()}`;
    opened.push(name);
    const db = await openRingpostDb({ name });
    expectSchema(db, migrations.length, CURRENT_STORES);
    db.close();
  });

  it('opens a version-1 database with its keys intact, and upgrades past it without losing them', async () => {
    const name = `v1-${crypto.randomUUID()}`;
    const alice = await makeKeys('alice');
    const bob = await makeKeys('bob');
    await writeVersion1(name, [alice.record, bob.record]);

    const current = await openRingpostDb({ name });
    expectSchema(current, migrations.length, CURRENT_STORES);
    await expectUsable(await current.get('keys', 'alice'), alice);
    await expectUsable(await current.get('keys', 'bob'), bob);
    current.close();

    // One more version, as the outbox or messages will add: the upgrade must run only the new step and
    // leave the stores it finds alone, so a runner that replays or recreates them fails here.
    const addStore: Migration = (db) => {
      // The schema type names today's stores only; this one exists just for the test.
      (db as unknown as IDBPDatabase).createObjectStore('later', { autoIncrement: true });
    };
    const next = await openRingpostDb({ name, migrations: [...migrations, addStore] });
    expectSchema(next, migrations.length + 1, [...CURRENT_STORES, 'later']);
    expect(await next.count('keys')).toBe(2);
    await expectUsable(await next.get('keys', 'alice'), alice);
    await expectUsable(await next.get('keys', 'bob'), bob);
    next.close();
  });

  it("the app's own connection reads keys a version-1 database holds", async () => {
    const alice = await makeKeys('alice');
    await writeVersion1(DATABASE_NAME, [alice.record]);
    await expectUsable(await loadDeviceKeys('alice'), alice);
    // afterEach deletes the database; the app's connection closes itself when asked (versionchange).
  });

  it('stores the one DeviceKeys record shape, reads it back and deletes it', async () => {
    opened.push(DATABASE_NAME);
    const carol = await makeKeys('carol');
    const published = { fingerprint: 'cd'.repeat(32), publicKey: 'MIIC', keyBits: 2048 };
    const stored = await storeDeviceKeys('carol', published, carol.record);
    expect(stored).toEqual({
      accountName: 'carol',
      ...published,
      decryptKey: carol.record.decryptKey,
      signKey: carol.record.signKey,
      storedAt: expect.any(Number) as number,
    });
    const loaded = await loadDeviceKeys('carol');
    await expectUsable(loaded, carol, { ...carol.record, ...published, storedAt: stored.storedAt });
    await deleteDeviceKeys('carol');
    expect(await loadDeviceKeys('carol')).toBeNull();
  });
});
