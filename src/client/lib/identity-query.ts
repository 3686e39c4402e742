import { queryOptions, useQuery } from '@tanstack/react-query';
import { identityResponseSchema, type Identity } from '../../shared/protocol/identity';
import { apiRequest } from './api-client';

export const identityQueryOptions = queryOptions({
  queryKey: ['identity'],
  queryFn: async ({ signal }): Promise<Identity | null> =>
    (await apiRequest('/api/identity', identityResponseSchema, { signal })).identity,
  staleTime: Infinity,
});

export function useIdentity() {
  return useQuery(identityQueryOptions);
}
