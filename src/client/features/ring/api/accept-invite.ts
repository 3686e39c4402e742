import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  acceptInviteResponseSchema,
  type AcceptInviteRequest,
  type ReceivedInvite,
} from '../../../../shared/protocol/ring';
import { apiRequest } from '../../../lib/api-client';
import { ringQueryOptions } from '../../../lib/ring-query';

export interface AcceptInviteInput {
  invite: ReceivedInvite;
  /** The fingerprint this browser computed from the key it showed: the one the person compared. */
  fingerprint: string;
  /** Pins that fingerprint before the server is asked, so the key accepted is the key trusted. */
  pin: (communityName: string, fingerprint: string) => Promise<void>;
}

export function useAcceptInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ invite, fingerprint, pin }: AcceptInviteInput) => {
      await pin(invite.communityName, fingerprint);
      const body: AcceptInviteRequest = { fingerprint };
      return (
        await apiRequest(
          `/api/ring/invites/${encodeURIComponent(invite.id)}/accept`,
          acceptInviteResponseSchema,
          { method: 'POST', body },
        )
      ).member;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ringQueryOptions.queryKey }),
  });
}
