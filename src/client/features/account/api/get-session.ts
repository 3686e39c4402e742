import { queryOptions, useQuery } from '@tanstack/react-query';
import { accountResponseSchema, type Account } from '../../../../shared/protocol/account';
import { apiRequest, ApiRequestError } from '../../../lib/api-client';
import { SESSION_QUERY_KEY } from '../../../lib/query-client';

/** The signed-in account, or null when the browser holds no valid session. */
async function getSession(signal: AbortSignal): Promise<Account | null> {
  try {
    const { account } = await apiRequest('/api/session', accountResponseSchema, { signal });
    return account;
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 401) return null;
    throw error;
  }
}

export const sessionQueryOptions = queryOptions({
  queryKey: SESSION_QUERY_KEY,
  queryFn: ({ signal }) => getSession(signal),
  staleTime: Infinity,
});

export function useSession() {
  return useQuery(sessionQueryOptions);
}
