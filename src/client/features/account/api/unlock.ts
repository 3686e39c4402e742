import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deriveAccountKeys } from '../../../../shared/crypto/account-keys';
import type { Account } from '../../../../shared/protocol/account';
import type { Identity } from '../../../../shared/protocol/identity';
import { CryptoClientError } from '../../../crypto/crypto-client';
import { cryptoWorker } from '../../../lib/crypto-worker';
import { identityQueryOptions } from '../../../lib/identity-query';
import { setWrapKey } from '../../../lib/session-keys';
import { checkedIterations } from './authenticate';
import { sessionQueryOptions } from './get-session';
import { useSignIn } from './sign-in';

export class WrongPasswordError extends Error {
  constructor() {
    super('That password is not right for this account.');
    this.name = 'WrongPasswordError';
  }
}

/**
 * Derives the wrap key with the account's own KDF parameters and proves it by opening the key backup in
 * the worker, which checks the backup belongs to the published key and forgets the private key again.
 * GCM refuses a wrong wrap key, so a wrong password is caught here, with no request to the server.
 */
async function wrapKeyFromBackup(account: Account, identity: Identity, password: string): Promise<CryptoKey> {
  // The same refusal as at sign-in: derive only with a salt this browser would make itself.
  const iterations = await checkedIterations(account.name, account.kdf);
  const { wrapKey } = await deriveAccountKeys(crypto, account.name, password, iterations);
  try {
    await cryptoWorker.call('checkBackup', {
      backup: identity.backup,
      wrapKey,
      accountName: account.name,
      spki: identity.publicKey,
      fingerprint: identity.fingerprint,
    });
  } catch (error) {
    if (error instanceof CryptoClientError && error.code === 'backup_unopenable')
      throw new WrongPasswordError();
    throw error;
  }
  return wrapKey;
}

/**
 * Brings the wrap key back after a reload without a new session. Before activation there is no backup to
 * check the password against, and a wrap key that nothing has proven would seal the first backup with
 * whatever was typed; so then the prompt signs in again, and the server checks the password.
 */
export function useUnlock() {
  const queryClient = useQueryClient();
  const signIn = useSignIn();
  return useMutation({
    mutationFn: async ({ accountName, password }: { accountName: string; password: string }) => {
      const [account, identity] = await Promise.all([
        queryClient.ensureQueryData(sessionQueryOptions),
        queryClient.ensureQueryData(identityQueryOptions),
      ]);
      if (!account || !identity) {
        await signIn.mutateAsync({ accountName, password });
        return;
      }
      setWrapKey(await wrapKeyFromBackup(account, identity, password));
    },
  });
}
