import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';
import { setWrapKey } from '../../../lib/session-keys';
import { sessionQueryOptions } from './get-session';

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest('/api/session', null, { method: 'DELETE' }),
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
