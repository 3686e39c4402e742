import { queryOptions, useQuery } from '@tanstack/react-query';
import { identityResponseSchema, type Identity } from '../../shared/protocol/identity';
import { apiRequest } from './api-client';

export const identityQueryOptions = queryOptions({
  queryKey: ['identity'],
  queryFn: async ({ signal }): Promise<Identity | null> =>
    (await apiRequest('/api/identity', identityResponseSchema, { signal })).identity,
  staleTime: Infinity,
});

/**
 * Marks this tab's own changes to the identity (activation, claiming the name): while one is under way, the
 * push channel's identity.updated is this tab's own news, and refetching then would race the change as it
 * stores the keys and sets the identity itself.
 */
export const IDENTITY_CHANGE_MUTATION_KEY = ['identity', 'change'] as const;

export function useIdentity() {
  return useQuery(identityQueryOptions);
}
