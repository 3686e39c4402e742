import { queryOptions, useQuery } from '@tanstack/react-query';
import { configResponseSchema } from '../../shared/protocol/config';
import { apiRequest } from './api-client';

export const configQueryOptions = queryOptions({
  queryKey: ['config'],
  queryFn: ({ signal }) => apiRequest('/api/config', configResponseSchema, { signal }),
  staleTime: Infinity,
});

export function useConfig() {
  return useQuery(configQueryOptions);
}
