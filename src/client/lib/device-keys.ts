import { queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';
import type { Identity } from '../../shared/protocol/identity';
import type { RestoreResult } from '../crypto/crypto-client';
import { cryptoWorker } from './crypto-worker';
import {
  requestPersistentStorage,
  ringpostDb,
  storagePersistence,
  type DeviceKeys,
  type StoragePersistence,
} from './db';
import { getWrapKey, useWrapKey } from './session-keys';

// This browser's private keys for the account's published identity, for every feature that decrypts or
// signs (sharing shows them, messaging and the Ring use them). They are stored only after the server
// holds the matching public key, so a refused activation leaves nothing behind.

export type { DeviceKeys, StoragePersistence } from './db';

/** The public key the private keys belong to, as published. */
export type PublishedKey = Pick<Identity, 'fingerprint' | 'publicKey' | 'keyBits'>;

/** The one place a DeviceKeys record is made, whether the keys were just generated or restored. */
export function deviceKeysRecord(
  accountName: string,
  published: PublishedKey,
  privateKeys: RestoreResult,
  storedAt: number,
): DeviceKeys {
  return {
    accountName,
    fingerprint: published.fingerprint,
    publicKey: published.publicKey,
    keyBits: published.keyBits,
    decryptKey: privateKeys.decryptKey,
    signKey: privateKeys.signKey,
    storedAt,
  };
}

export async function loadDeviceKeys(accountName: string): Promise<DeviceKeys | null> {
  return (await (await ringpostDb()).get('keys', accountName)) ?? null;
}

/** Keeps the non-extractable keys in this browser, replacing any earlier ones of the account. */
export async function storeDeviceKeys(
  accountName: string,
  published: PublishedKey,
  privateKeys: RestoreResult,
): Promise<DeviceKeys> {
  const keys = deviceKeysRecord(accountName, published, privateKeys, Date.now());
  await (await ringpostDb()).put('keys', keys);
  return keys;
}

export async function deleteDeviceKeys(accountName: string): Promise<void> {
  await (await ringpostDb()).delete('keys', accountName);
}

export type DeviceKeysState =
  | { keys: DeviceKeys; source: 'device' | 'generated' | 'restored'; persistence: StoragePersistence }
  /** The account has an identity but this browser has no keys and no wrap key to restore them with. */
  | { keys: null; source: 'locked'; persistence: StoragePersistence };

/** `unlocked`: whether the wrap key is in memory, which decides whether missing keys can be restored. */
export const deviceKeysQueryKey = (accountName: string, fingerprint: string, unlocked: boolean) =>
  ['device-keys', accountName, fingerprint, unlocked] as const;

/**
 * This browser's private keys for the account's published identity. When they are missing (a new
 * browser, cleared site data), they are restored from the encrypted backup with the wrap key from sign-in
 * or Unlock; a new identity is never made in their place.
 */
export function deviceKeysQueryOptions(
  accountName: string,
  identity: Identity | null | undefined,
  wrapKey: CryptoKey | null,
) {
  return queryOptions({
    queryKey: deviceKeysQueryKey(accountName, identity?.fingerprint ?? '', wrapKey !== null),
    enabled: !!identity,
    staleTime: Infinity,
    retry: false,
    queryFn: async (): Promise<DeviceKeysState> => {
      if (!identity) throw new Error('No identity to load keys for.');
      const stored = await loadDeviceKeys(accountName);
      if (stored?.fingerprint === identity.fingerprint) {
        return { keys: stored, source: 'device', persistence: await storagePersistence() };
      }
      // Keys for another identity are of no use and must not be mistaken for this one's.
      if (stored) await deleteDeviceKeys(accountName);
      if (!wrapKey) return { keys: null, source: 'locked', persistence: await storagePersistence() };

      const persistence = requestPersistentStorage();
      // The worker checks the backup against this published key before it hands back any key.
      const restored = await cryptoWorker.call('restore', {
        backup: identity.backup,
        wrapKey,
        accountName,
        spki: identity.publicKey,
        fingerprint: identity.fingerprint,
      });
      const keys = await storeDeviceKeys(accountName, identity, restored);
      return { keys, source: 'restored', persistence: await persistence };
    },
  });
}

export function useDeviceKeys(accountName: string, identity: Identity | null | undefined) {
  return useQuery(deviceKeysQueryOptions(accountName, identity, useWrapKey()));
}

/** The keys are locked away: this tab has no wrap key to restore them with (after a reload, before Unlock). */
export class KeysLockedError extends Error {
  constructor() {
    super('Your keys are locked in this browser. Open Settings and unlock them with your password.');
    this.name = 'KeysLockedError';
  }
}

/**
 * The keys for code about to decrypt or sign. Right after sign-in in a new browser they may still be on
 * their way back from the backup: this waits for that same restore (or starts it) instead of reading an
 * empty store and failing.
 */
export async function keysForUse(
  queryClient: QueryClient,
  accountName: string,
  identity: Identity,
): Promise<DeviceKeys> {
  const state = await queryClient.fetchQuery(deviceKeysQueryOptions(accountName, identity, getWrapKey()));
  if (!state.keys) throw new KeysLockedError();
  return state.keys;
}
