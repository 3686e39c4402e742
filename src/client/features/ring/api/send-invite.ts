import { useMutation, useQueryClient } from '@tanstack/react-query';
import { inviteResponseSchema, type InviteRequest } from '../../../../shared/protocol/ring';
import { apiRequest } from '../../../lib/api-client';
import { ringQueryOptions } from '../../../lib/ring-query';

/** Resolves with the invite as sent; the answer is the same whether or not the name exists. */
export function useSendInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (communityName: string) => {
      const body: InviteRequest = { communityName };
      return (await apiRequest('/api/ring/invites', inviteResponseSchema, { method: 'POST', body })).invite;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ringQueryOptions.queryKey }),
  });
}
