import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';
import { ringQueryOptions } from '../../../lib/ring-query';

/** Mutual and silent: the other side's Ring loses this user too, and nobody tells them. */
export function useRemoveMember() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (communityName: string) =>
      apiRequest(`/api/ring/members/${encodeURIComponent(communityName)}`, null, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ringQueryOptions.queryKey }),
  });
}
