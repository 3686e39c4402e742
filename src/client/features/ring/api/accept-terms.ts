import { useMutation, useQueryClient } from '@tanstack/react-query';
import { TERMS_VERSION, termsResponseSchema } from '../../../../shared/protocol/ring';
import { apiRequest } from '../../../lib/api-client';
import { ringQueryOptions } from '../../../lib/ring-query';

export function useAcceptTerms() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      apiRequest('/api/ring/terms', termsResponseSchema, {
        method: 'POST',
        body: { version: TERMS_VERSION },
      }),
    onSuccess: ({ termsAcceptedAt }) => {
      queryClient.setQueryData(ringQueryOptions.queryKey, (ring) => ring && { ...ring, termsAcceptedAt });
    },
  });
}
