import { useQueries } from '@tanstack/react-query';
import { directoryKeyQueryOptions } from '../../../lib/directory-query';
import { useRingTrust, type WriteAnswer } from '../../../lib/pins/use-ring-trust';
import { useRing } from '../../../lib/ring-query';

/**
 * Someone this user may write to: a member of the Ring, or someone with an invite pending either way, to
 * whom short verification messages may go before they are trusted (the Passpack seed).
 */
export interface Recipient {
  communityName: string;
  kind: 'member' | 'pending';
  /** SubjectPublicKeyInfo DER, base64url, as the server serves it; null while it is being looked up. */
  publicKey: string | null;
  /** For members, the pin check; a pending person is writable (marked unverified) once their key is known. */
  writable: WriteAnswer | { ok: true };
}

const LOOKING_UP = { ok: false, reason: 'checking', message: 'Looking up their key…' } as const;

export function useRecipients(accountName: string) {
  const ring = useRing();
  const members = ring.data?.members;
  const trust = useRingTrust(accountName, members);
  const memberNames = new Set(members?.map((member) => member.communityName));
  const sent = ring.data?.sent.filter((invite) => !memberNames.has(invite.communityName)) ?? [];
  const directory = useQueries({
    queries: sent.map((invite) => directoryKeyQueryOptions(invite.communityName)),
  });

  const recipients: Recipient[] = [];
  const seen = new Set<string>();
  const add = (recipient: Recipient) => {
    if (seen.has(recipient.communityName)) return;
    seen.add(recipient.communityName);
    recipients.push(recipient);
  };
  for (const member of members ?? []) {
    add({
      communityName: member.communityName,
      kind: 'member',
      publicKey: member.publicKey,
      writable: trust.mayWriteTo(member.communityName),
    });
  }
  for (const invite of ring.data?.received ?? []) {
    add({
      communityName: invite.communityName,
      kind: 'pending',
      publicKey: invite.publicKey,
      writable: { ok: true },
    });
  }
  sent.forEach((invite, index) => {
    const publicKey = directory[index]?.data?.publicKey ?? null;
    add({
      communityName: invite.communityName,
      kind: 'pending',
      publicKey,
      writable: publicKey ? { ok: true } : LOOKING_UP,
    });
  });
  return { recipients, ring, trust };
}
