import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  accountResponseSchema,
  kdfResponseSchema,
  type CreateAccountRequest,
  type Credentials,
  type KdfParams,
  type KdfRequest,
} from '../../../../shared/protocol/account';
import { normalizeName } from '../../../../shared/protocol/names';
import { apiRequest } from '../../../lib/api-client';
import { configQueryOptions } from '../../../lib/config-query';
import { setWrapKey } from '../../../lib/session-keys';
import { sessionQueryOptions } from './get-session';

export interface PasswordForm {
  accountName: string;
  password: string;
}

/** The server chose a salt this browser would not make: refuse rather than derive keys it picked. */
export class UnexpectedSaltError extends Error {
  constructor() {
    super('This server asked for an unexpected key derivation. Your password was not used.');
    this.name = 'UnexpectedSaltError';
  }
}

// Loaded when a form is sent, not with the first page: the sign-in page's own bytes stay small, and the
// chunk is long in the cache by the time someone has typed a password.
const accountKeys = () => import('../../../../shared/crypto/account-keys');

/** The iteration count of `kdf`, once its salt is the one this browser would make for `name`. */
export async function checkedIterations(name: string, kdf: KdfParams): Promise<number> {
  const { encodedAccountSalt } = await accountKeys();
  if (kdf.salt !== encodedAccountSalt(name)) throw new UnexpectedSaltError();
  return kdf.iterations;
}

/** An existing account's own iteration count (the server may have raised its setting since it was made). */
async function signInIterations(name: string): Promise<number> {
  const body: KdfRequest = { name };
  const { kdf } = await apiRequest('/api/session/kdf', kdfResponseSchema, { method: 'POST', body });
  return checkedIterations(name, kdf);
}

/**
 * Sign-in and account creation send the account name and the auth key derived from the password, never
 * the password. PBKDF2 runs inside WebCrypto, off the main thread. A new account uses the server's current
 * iteration count and records it; signing in asks for the count the account was made with.
 */
export function useAuthenticate(mode: 'sign-in' | 'create-account') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ accountName, password }: PasswordForm) => {
      const name = normalizeName(accountName);
      const iterations =
        mode === 'sign-in'
          ? await signInIterations(name)
          : (await queryClient.ensureQueryData(configQueryOptions)).kdf.iterations;
      const { deriveAccountKeys } = await accountKeys();
      const { authKey, wrapKey } = await deriveAccountKeys(crypto, name, password, iterations);
      const body: Credentials | CreateAccountRequest =
        mode === 'sign-in' ? { name, authKey } : { name, authKey, kdfIterations: iterations };
      const { account } = await apiRequest(
        mode === 'sign-in' ? '/api/session' : '/api/accounts',
        accountResponseSchema,
        { method: 'POST', body },
      );
      return { account, wrapKey };
    },
    onSuccess: ({ account, wrapKey }) => {
      setWrapKey(wrapKey);
      queryClient.setQueryData(sessionQueryOptions.queryKey, account);
    },
  });
}
