import { queryOptions, useQuery } from '@tanstack/react-query';
import { lookupResponseSchema, type LookupRequest } from '../../shared/protocol/directory';
import type { PublishedKey } from '../../shared/protocol/ring';
import { apiRequest } from './api-client';

// The directory answers any name with a key, real or decoy: the page cannot tell which, and must not try.
// People shows it beside a pending invite so both sides can compare before accepting; Messages uses it to
// write to a pending invitee. A key never changes for a name, so one answer per name and session is enough.

export const directoryKeyQueryOptions = (communityName: string) =>
  queryOptions({
    queryKey: ['directory', communityName],
    queryFn: async ({ signal }): Promise<PublishedKey> => {
      const body: LookupRequest = { communityName };
      return (
        await apiRequest('/api/directory/lookup', lookupResponseSchema, { method: 'POST', body, signal })
      ).entry;
    },
    staleTime: Infinity,
  });

export function useDirectoryKey(communityName: string) {
  return useQuery(directoryKeyQueryOptions(communityName));
}
