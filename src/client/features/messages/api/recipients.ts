import { useQueries } from '@tanstack/react-query';
import { correspondentsOf } from '../../../lib/correspondents';
import { directoryKeyQueryOptions } from '../../../lib/directory-query';
import type { RingResponse } from '../../../../shared/protocol/ring';
import { useRingTrust, type RingTrust, type WriteAnswer } from '../../../lib/pins/use-ring-trust';
import type { SenderKey } from './open-message';
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
  const correspondents = ring.data ? correspondentsOf(ring.data) : [];
  const toLookUp = correspondents.filter((correspondent) => correspondent.publicKey === null);
  const directory = useQueries({
    queries: toLookUp.map((correspondent) => directoryKeyQueryOptions(correspondent.communityName)),
  });
  const lookedUp = new Map(
    toLookUp.map((correspondent, index) => [correspondent.communityName, directory[index]?.data?.publicKey]),
  );

  const recipients = correspondents.map((correspondent): Recipient => {
    if (correspondent.kind === 'member') {
      return { ...correspondent, writable: trust.mayWriteTo(correspondent.communityName) };
    }
    const publicKey = correspondent.publicKey ?? lookedUp.get(correspondent.communityName) ?? null;
    return {
      communityName: correspondent.communityName,
      kind: 'pending',
      publicKey,
      writable: publicKey ? { ok: true } : LOOKING_UP,
    };
  });
  return { recipients, ring, trust };
}

/**
 * The key a received message from `peer` must be signed with, or null when none is trusted: a member's
 * pinned key (also while its key-change alarm stands, so old messages still open), else the key a pending
 * invite or the directory gave, marked unverified.
 */
export function senderKeyFrom(
  recipients: readonly Recipient[],
  ring: RingResponse | undefined,
  trust: RingTrust,
): (peer: string) => SenderKey | null {
  return (peer) => {
    const member = ring?.members.find((candidate) => candidate.communityName === peer);
    if (member) {
      const state = trust.trustOf(peer);
      if (state.state === 'trusted') {
        return { publicKey: member.publicKey, fingerprint: state.servedFingerprint, unverified: false };
      }
      if (state.state === 'key_changed') {
        return { publicKey: member.publicKey, fingerprint: state.pinned, unverified: false };
      }
      return null;
    }
    const pending = recipients.find(
      (candidate) => candidate.communityName === peer && candidate.kind === 'pending',
    );
    return pending?.publicKey ? { publicKey: pending.publicKey, fingerprint: null, unverified: true } : null;
  };
}
