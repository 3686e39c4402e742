import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { identityResponseSchema, type ActivateRequest } from '../../../../shared/protocol/identity';
import type { KeyBits } from '../../../../shared/rules';
import { apiRequest } from '../../../lib/api-client';
import { cryptoWorker } from '../../../lib/crypto-worker';
import { requestPersistentStorage } from '../../../lib/db';
import { deviceKeysQueryKey, storeDeviceKeys } from '../../../lib/device-keys';
import { IDENTITY_CHANGE_MUTATION_KEY, identityQueryOptions } from '../../../lib/identity-query';
import { getWrapKey } from '../../../lib/session-keys';

export type ActivationStage = 'generating' | 'uploading' | 'storing';

export class LockedError extends Error {
  constructor() {
    super('Enter your password to protect your key backup, then try again.');
    this.name = 'LockedError';
  }
}

/**
 * Makes the keypair in the crypto worker (the PKCS#8 never reaches this thread), publishes the public key
 * with the encrypted backup, and only then keeps the non-extractable keys in this browser.
 */
export function useActivateSharing(accountName: string) {
  const queryClient = useQueryClient();
  const [stage, setStage] = useState<ActivationStage | null>(null);
  const mutation = useMutation({
    mutationKey: IDENTITY_CHANGE_MUTATION_KEY,
    mutationFn: async (bits: KeyBits) => {
      const wrapKey = getWrapKey();
      if (!wrapKey) throw new LockedError();
      setStage('generating');
      const persistence = requestPersistentStorage();
      const keys = await cryptoWorker.call('activate', { bits, wrapKey, accountName });
      setStage('uploading');
      const body: ActivateRequest = {
        publicKey: keys.spki,
        fingerprint: keys.fingerprint,
        keyBits: keys.bits,
        backup: keys.backup,
      };
      const { identity } = await apiRequest('/api/identity', identityResponseSchema, {
        method: 'POST',
        body,
      });
      setStage('storing');
      // Labelled with the key the worker made and checked, not with the server's echo of it.
      const published = { fingerprint: keys.fingerprint, publicKey: keys.spki, keyBits: keys.bits };
      const deviceKeys = await storeDeviceKeys(accountName, published, keys);
      return { identity, deviceKeys, persistence: await persistence };
    },
    onSuccess: ({ identity, deviceKeys, persistence }) => {
      queryClient.setQueryData(deviceKeysQueryKey(accountName, deviceKeys.fingerprint, true), {
        keys: deviceKeys,
        source: 'generated',
        persistence,
      });
      queryClient.setQueryData(identityQueryOptions.queryKey, identity);
    },
    onSettled: () => setStage(null),
  });
  return { ...mutation, stage };
}
