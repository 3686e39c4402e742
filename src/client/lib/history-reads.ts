import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { historyReadsResponseSchema } from '../../shared/protocol/history';
import { apiRequest } from './api-client';

// Which of History's other events (invites, acceptances, key changes) this account has opened, in any of
// its browsers. Messages carry their own read marks (lib/history-sync.ts).

export const historyReadsQueryOptions = queryOptions({
  queryKey: ['history-reads'],
  queryFn: async ({ signal }) =>
    new Set((await apiRequest('/api/history/reads', historyReadsResponseSchema, { signal })).keys),
  staleTime: Infinity,
});

/** Marks events opened: at once on this page, then on the server, which tells the other browsers. */
export async function markEventsRead(queryClient: QueryClient, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  queryClient.setQueryData(
    historyReadsQueryOptions.queryKey,
    (known) => new Set([...(known ?? []), ...keys]),
  );
  await apiRequest('/api/history/reads', null, { method: 'POST', body: { keys } }).catch(() => undefined);
}
