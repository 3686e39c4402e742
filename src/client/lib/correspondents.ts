import type { RingResponse } from '../../shared/protocol/ring';

/**
 * Someone this account may exchange messages with, and where their key comes from: a member's key is in
 * the Ring, an invitee who wrote first gave theirs with the invite, and for someone invited by this account
 * the directory is asked (the invite itself carries nothing the server knows about them).
 */
export type Correspondent =
  | { communityName: string; kind: 'member'; publicKey: string }
  | { communityName: string; kind: 'pending'; publicKey: string }
  | { communityName: string; kind: 'pending'; publicKey: null };

/** Everyone in the Ring payload one may write to or hear from, each once: members, then invites received, then sent. */
export function correspondentsOf(ring: RingResponse): Correspondent[] {
  const seen = new Set<string>();
  const list: Correspondent[] = [];
  const add = (correspondent: Correspondent) => {
    if (seen.has(correspondent.communityName)) return;
    seen.add(correspondent.communityName);
    list.push(correspondent);
  };
  for (const { communityName, publicKey } of ring.members) add({ communityName, kind: 'member', publicKey });
  for (const { communityName, publicKey } of ring.received)
    add({ communityName, kind: 'pending', publicKey });
  for (const { communityName } of ring.sent) add({ communityName, kind: 'pending', publicKey: null });
  return list;
}
