import { queryOptions, useQuery } from '@tanstack/react-query';
import { ringResponseSchema } from '../../../../shared/protocol/ring';
import { apiRequest } from '../../../lib/api-client';

/**
 * Until the push channel carries ring events, People learns of accepted invites and new invites by asking:
 * on focus and on a short interval, which one small request makes cheap.
 */
export const RING_REFRESH_MS = 15_000;

export const ringQueryOptions = queryOptions({
  queryKey: ['ring'],
  queryFn: ({ signal }) => apiRequest('/api/ring', ringResponseSchema, { signal }),
  refetchInterval: RING_REFRESH_MS,
  refetchOnWindowFocus: true,
});

export function useRing(enabled = true) {
  return useQuery({ ...ringQueryOptions, enabled });
}
