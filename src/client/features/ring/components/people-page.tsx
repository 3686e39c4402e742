import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Account } from '../../../../shared/protocol/account';
import { Alert } from '../../../components/ui/alert';
import { EmptyState } from '../../../components/ui/empty-state';
import { errorMessage } from '../../../lib/api-client';
import { useIdentity } from '../../../lib/identity-query';
import { usePageTitle } from '../../../lib/page-title';
import { useRingTrust } from '../../../lib/pins/use-ring-trust';
import { useAcceptTerms } from '../api/accept-terms';
import { useRing } from '../../../lib/ring-query';
import { InviteForm } from './invite-form';
import { ReceivedInvites } from './received-invites';
import { RingMembers } from './ring-members';
import { SentInvites } from './sent-invites';
import { TermsCard } from './terms-card';

const INTRO =
  'Your Ring of Trust holds the people you exchange messages with. You add someone by their exact community name, which they tell you themselves: Ringpost is not a place to find new people.';

/** `unlock` renders the password prompt, for when the pins need the wrap key to sync. */
export function PeoplePage({ account, unlock }: { account: Account; unlock: (reason: string) => ReactNode }) {
  usePageTitle('People');
  const identity = useIdentity();
  const named = !!identity.data?.communityName;

  return (
    <div className="stack">
      <h1>People</h1>
      {identity.isError && <Alert>{errorMessage(identity.error)}</Alert>}
      {identity.data !== undefined && !named ? (
        <EmptyState title="Your Ring of Trust is empty">
          <p>{INTRO}</p>
          <NextStep activated={identity.data !== null} />
        </EmptyState>
      ) : (
        named && (
          <Ring
            accountName={account.name}
            communityName={identity.data?.communityName ?? ''}
            unlock={unlock}
          />
        )
      )}
    </div>
  );
}

/** Asks only for the step still missing, so someone who has done it is not sent back to Settings. */
function NextStep({ activated }: { activated: boolean }) {
  return (
    <p>
      {activated
        ? 'First choose your community name in '
        : 'First activate sharing and choose your community name in '}
      <Link to="/settings">Settings</Link>.
    </p>
  );
}

function Ring({
  accountName,
  communityName,
  unlock,
}: {
  accountName: string;
  communityName: string;
  unlock: (reason: string) => ReactNode;
}) {
  const ring = useRing();
  const acceptTerms = useAcceptTerms();
  const trust = useRingTrust(accountName, ring.data?.members);

  if (ring.isPending) return <p role="status">Loading your Ring of Trust…</p>;
  if (ring.isError) return <Alert>{errorMessage(ring.error)}</Alert>;

  const { members, sent, received, termsAcceptedAt } = ring.data;
  const accepted = members.filter(
    (member) => member.invitedByMe && trust.newlyPinned.includes(member.communityName),
  );

  return (
    <>
      {accepted.length > 0 && (
        <div role="status" className="notices">
          {accepted.map((member) => (
            <p key={member.communityName} className="alert alert-success">
              {member.communityName} accepted your invite.
            </p>
          ))}
        </div>
      )}
      {trust.syncError && <Alert>{trust.syncError}</Alert>}
      {trust.needsUnlock &&
        unlock(
          'Enter your password to save the fingerprints you checked, and to load those you checked in your other browsers.',
        )}
      <ReceivedInvites invites={received} pin={trust.pinAtAcceptance} />
      {members.length > 0 ? (
        <RingMembers members={members} trust={trust} />
      ) : (
        <EmptyState title="Your Ring of Trust is empty">
          <p>{INTRO}</p>
          <p>
            Friends add you by your community name: <strong>{communityName}</strong>.
          </p>
        </EmptyState>
      )}
      {termsAcceptedAt === null ? <TermsCard accept={acceptTerms} /> : <InviteForm />}
      <SentInvites invites={sent} />
    </>
  );
}
