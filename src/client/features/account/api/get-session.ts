import { queryOptions, useQuery } from '@tanstack/react-query';
import { sessionResponseSchema, type Account } from '../../../../shared/protocol/account';
import { apiRequest } from '../../../lib/api-client';
import { SESSION_QUERY_KEY } from '../../../lib/query-client';

/** The signed-in account, or null when the browser holds no valid session (a 200, not a failed request). */
async function getSession(signal: AbortSignal): Promise<Account | null> {
  return (await apiRequest('/api/session', sessionResponseSchema, { signal })).account;
}

export const sessionQueryOptions = queryOptions({
  queryKey: SESSION_QUERY_KEY,
  queryFn: ({ signal }) => getSession(signal),
  staleTime: Infinity,
});

export function useSession() {
  return useQuery(sessionQueryOptions);
}
