import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';
import { deleteDeviceKeys } from '../../../lib/device-keys';
import { setWrapKey } from '../../../lib/session-keys';
import { sessionQueryOptions } from './get-session';

/**
 * Signing out leaves nothing of the account usable in this browser: the wrap key is dropped and the private
 * keys are deleted. Signing in again restores them from the encrypted backup, on this browser or any other.
 */
export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await apiRequest('/api/session', null, { method: 'DELETE' });
      const account = queryClient.getQueryData(sessionQueryOptions.queryKey);
      if (account) await deleteDeviceKeys(account.name);
    },
    onSuccess: () => {
      setWrapKey(null);
      // Setting the session (not removing it) keeps the app's observer attached, so the screen switches now.
      queryClient.setQueryData(sessionQueryOptions.queryKey, null);
      // Drop everything else cached for this account; the public config may stay.
      const keep = new Set<unknown>(['config', sessionQueryOptions.queryKey[0]]);
      queryClient.removeQueries({ predicate: (query) => !keep.has(query.queryKey[0]) });
    },
  });
}
