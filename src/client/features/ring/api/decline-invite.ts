import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';
import { ringQueryOptions } from '../../../lib/ring-query';

/** Silent for the inviter: their page never changes, whatever is chosen here. */
export function useDeclineInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (inviteId: string) =>
      apiRequest(`/api/ring/invites/${encodeURIComponent(inviteId)}/decline`, null, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ringQueryOptions.queryKey }),
  });
}
