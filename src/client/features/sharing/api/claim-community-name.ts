import { useMutation, useQueryClient } from '@tanstack/react-query';
import { identityResponseSchema, type ClaimNameRequest } from '../../../../shared/protocol/identity';
import { apiRequest } from '../../../lib/api-client';
import { IDENTITY_CHANGE_MUTATION_KEY, identityQueryOptions } from '../../../lib/identity-query';

export function useClaimCommunityName() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: IDENTITY_CHANGE_MUTATION_KEY,
    mutationFn: async (communityName: string) => {
      const body: ClaimNameRequest = { communityName };
      return (
        await apiRequest('/api/identity/community-name', identityResponseSchema, { method: 'POST', body })
      ).identity;
    },
    onSuccess: (identity) => queryClient.setQueryData(identityQueryOptions.queryKey, identity),
  });
}
