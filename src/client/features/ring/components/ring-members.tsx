import { useState } from 'react';
import { Link } from 'react-router';
import { conversationPath } from '../../../lib/paths';
import type { Member } from '../../../../shared/protocol/ring';
import { Alert } from '../../../components/ui/alert';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Fingerprint } from '../../../components/ui/fingerprint';
import { CheckIcon, EnvelopeIcon, WarningIcon } from '../../../components/ui/icons';
import { errorMessage } from '../../../lib/api-client';
import { formatDate } from '../../../lib/format-date';
import type { useRingTrust } from '../../../lib/pins/use-ring-trust';
import { useRemoveMember } from '../api/remove-member';

type RingTrust = ReturnType<typeof useRingTrust>;

export function RingMembers({ members, trust }: { members: readonly Member[]; trust: RingTrust }) {
  return (
    <section className="card" aria-labelledby="ring-heading">
      <h2 id="ring-heading">Your Ring of Trust</h2>
      <p className="muted">
        Compare each fingerprint with its owner, aloud or in person, then mark it as verified. If a key ever
        changes, Ringpost stops you writing until you have compared again.
      </p>
      <ul className="list">
        {members.map((member) => (
          <MemberItem key={member.communityName} member={member} trust={trust} />
        ))}
      </ul>
    </section>
  );
}

function MemberItem({ member, trust }: { member: Member; trust: RingTrust }) {
  const name = member.communityName;
  const state = trust.trustOf(name);
  const remove = useRemoveMember();
  const [confirming, setConfirming] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);

  async function verify() {
    setVerifyError(null);
    try {
      await trust.markVerified(name);
    } catch (error) {
      setVerifyError(errorMessage(error));
    }
  }

  const verifyButton = (
    <button type="button" onClick={() => void verify()}>
      Mark as verified
    </button>
  );

  return (
    <li className={`list-item${state.state === 'key_changed' ? ' list-item-alarm' : ''}`} aria-label={name}>
      <h3>{name}</h3>
      {state.state === 'key_changed' ? (
        <div role="alert" className="alarm">
          <p>
            <WarningIcon />{' '}
            <strong>{name}&apos;s key has changed: compare fingerprints again before you write.</strong>{' '}
            Ringpost sends nothing to {name} until you mark the new fingerprint as verified.
          </p>
          <p className="muted">The fingerprint you trusted:</p>
          <Fingerprint value={state.pinned} label={`Fingerprint you trusted for ${name}`} />
          <p className="muted">The fingerprint the server gives now:</p>
          <Fingerprint value={state.servedFingerprint} label={`Key fingerprint of ${name}`} />
        </div>
      ) : (
        state.servedFingerprint && (
          <Fingerprint value={state.servedFingerprint} label={`Key fingerprint of ${name}`} />
        )
      )}
      <p className="muted">In your Ring since {formatDate(member.addedAt)}</p>
      <div className="actions">
        {state.state === 'trusted' && state.verified ? (
          <span className="badge badge-verified">
            <CheckIcon /> Verified
          </span>
        ) : state.state === 'key_changed' || state.state === 'trusted' ? (
          verifyButton
        ) : null}
        <Link
          className="button-link"
          to={`/messages?to=${encodeURIComponent(name)}`}
          aria-label={`Message ${name}`}
        >
          <EnvelopeIcon /> Message
        </Link>
        <Link className="button-link" to={conversationPath(name)} aria-label={`Conversation with ${name}`}>
          Conversation
        </Link>
        <button type="button" className="secondary" onClick={() => setConfirming(true)}>
          Remove
        </button>
      </div>
      {verifyError && <Alert>{verifyError}</Alert>}
      {remove.isError && <Alert>{errorMessage(remove.error)}</Alert>}
      <ConfirmDialog
        open={confirming}
        title={`Remove ${name} from your Ring of Trust?`}
        confirmLabel="Remove"
        cancelLabel="Keep"
        busy={remove.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => remove.mutate(name, { onSettled: () => setConfirming(false) })}
      >
        <p>
          You will leave {name}&apos;s Ring too, and neither of you will be told. To write to each other
          again, one of you will have to invite the other.
        </p>
      </ConfirmDialog>
    </li>
  );
}
