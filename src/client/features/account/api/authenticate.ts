import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deriveAccountKeys } from '../../../../shared/crypto/account-keys';
import { accountResponseSchema } from '../../../../shared/protocol/account';
import { normalizeName } from '../../../../shared/protocol/names';
import { apiRequest } from '../../../lib/api-client';
import { configQueryOptions } from '../../../lib/config-query';
import { setWrapKey } from '../../../lib/session-keys';
import { sessionQueryOptions } from './get-session';

export interface PasswordForm {
  accountName: string;
  password: string;
}

/**
 * Sign-in and account creation send the same thing: the account name and the auth key derived from the
 * password. PBKDF2 runs inside WebCrypto, off the main thread; the password itself is never sent.
 */
export function useAuthenticate(endpoint: '/api/session' | '/api/accounts') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ accountName, password }: PasswordForm) => {
      const config = await queryClient.ensureQueryData(configQueryOptions);
      const name = normalizeName(accountName);
      const { authKey, wrapKey } = await deriveAccountKeys(
        crypto.subtle,
        name,
        password,
        config.kdf.iterations,
      );
      const { account } = await apiRequest(endpoint, accountResponseSchema, {
        method: 'POST',
        body: { name, authKey },
      });
      return { account, wrapKey };
    },
    onSuccess: ({ account, wrapKey }) => {
      setWrapKey(wrapKey);
      queryClient.setQueryData(sessionQueryOptions.queryKey, account);
    },
  });
}
