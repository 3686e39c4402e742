import { queryOptions, useQuery } from '@tanstack/react-query';
import { ringResponseSchema } from '../../shared/protocol/ring';
import { apiRequest } from './api-client';

/**
 * The push channel says when the Ring changes (ring.updated, invite.received); asking on focus and now and
 * then as well covers a channel that is down or an event that was missed.
 */
export const RING_REFRESH_MS = 5 * 60_000;

export const ringQueryOptions = queryOptions({
  queryKey: ['ring'],
  queryFn: ({ signal }) => apiRequest('/api/ring', ringResponseSchema, { signal }),
  refetchInterval: RING_REFRESH_MS,
  refetchOnWindowFocus: true,
});

export function useRing(enabled = true) {
  return useQuery({ ...ringQueryOptions, enabled });
}
