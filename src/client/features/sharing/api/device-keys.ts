import { useQuery } from '@tanstack/react-query';
import type { Identity } from '../../../../shared/protocol/identity';
import { cryptoWorker } from '../../../lib/crypto-worker';
import {
  deleteDeviceKeys,
  loadDeviceKeys,
  requestPersistentStorage,
  saveDeviceKeys,
  storagePersistence,
  type DeviceKeys,
  type StoragePersistence,
} from '../../../lib/key-store';
import { useWrapKey } from '../../../lib/session-keys';

export type DeviceKeysState =
  | { keys: DeviceKeys; source: 'device' | 'generated' | 'restored'; persistence: StoragePersistence }
  /** The account has an identity but this browser has no keys and no wrap key to restore them with. */
  | { keys: null; source: 'locked'; persistence: StoragePersistence };

/** `unlocked`: whether the wrap key is in memory, which decides whether missing keys can be restored. */
export const deviceKeysQueryKey = (accountName: string, fingerprint: string, unlocked: boolean) =>
  ['device-keys', accountName, fingerprint, unlocked] as const;

/**
 * This browser's private keys for the account's published identity. When they are missing (a new
 * browser, cleared site data), they are restored from the encrypted backup with the wrap key from sign-in;
 * a new identity is never made in their place.
 */
export function useDeviceKeys(accountName: string, identity: Identity | null | undefined) {
  const wrapKey = useWrapKey();
  return useQuery({
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
      const restored = await cryptoWorker.restore({
        backup: identity.backup,
        wrapKey,
        accountName,
        spki: identity.publicKey,
        fingerprint: identity.fingerprint,
      });
      const keys: DeviceKeys = {
        accountName,
        fingerprint: identity.fingerprint,
        publicKey: identity.publicKey,
        keyBits: identity.keyBits,
        decryptKey: restored.decryptKey,
        signKey: restored.signKey,
        storedAt: Date.now(),
      };
      await saveDeviceKeys(keys);
      return { keys, source: 'restored', persistence: await persistence };
    },
  });
}
