import { Alert } from '../../../components/ui/alert';
import { Fingerprint } from '../../../components/ui/fingerprint';
import type { ReceivedInvite } from '../../../../shared/protocol/ring';
import { errorMessage } from '../../../lib/api-client';
import { formatDate } from '../../../lib/format-date';
import { useSpkiFingerprint } from '../../../lib/spki-fingerprint';
import { useAcceptInvite } from '../api/accept-invite';
import { useDeclineInvite } from '../api/decline-invite';

type Pin = (communityName: string, fingerprint: string) => Promise<void>;

export function ReceivedInvites({ invites, pin }: { invites: readonly ReceivedInvite[]; pin: Pin }) {
  if (invites.length === 0) return null;
  return (
    <section className="card" aria-labelledby="received-heading">
      <h2 id="received-heading">Invites for you</h2>
      <p className="muted">
        Before you accept, compare the fingerprint with your friend, aloud or in person. Declining is silent:
        they are never told.
      </p>
      <ul className="list">
        {invites.map((invite) => (
          <ReceivedInviteItem key={invite.id} invite={invite} pin={pin} />
        ))}
      </ul>
    </section>
  );
}

function ReceivedInviteItem({ invite, pin }: { invite: ReceivedInvite; pin: Pin }) {
  const fingerprint = useSpkiFingerprint(invite.publicKey);
  const accept = useAcceptInvite();
  const decline = useDeclineInvite();
  const busy = accept.isPending || decline.isPending;
  const failure = accept.error ?? decline.error ?? fingerprint.error;

  return (
    <li className="list-item" aria-label={`Invite from ${invite.communityName}`}>
      <h3>{invite.communityName}</h3>
      <p className="muted">
        Invited you on {formatDate(invite.createdAt)} · lapses on {formatDate(invite.expiresAt)}
      </p>
      {fingerprint.data && (
        <Fingerprint value={fingerprint.data} label={`Key fingerprint of ${invite.communityName}`} />
      )}
      {failure && <Alert>{errorMessage(failure)}</Alert>}
      <div className="actions">
        <button
          type="button"
          disabled={busy || !fingerprint.data}
          onClick={() => {
            if (fingerprint.data) accept.mutate({ invite, fingerprint: fingerprint.data, pin });
          }}
        >
          Accept
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => decline.mutate(invite.id)}>
          Decline
        </button>
      </div>
    </li>
  );
}
