import { Alert } from '../../../components/ui/alert';
import { Fingerprint } from '../../../components/ui/fingerprint';
import type { SentInvite } from '../../../../shared/protocol/ring';
import { errorMessage } from '../../../lib/api-client';
import { useDirectoryKey } from '../../../lib/directory-query';
import { formatDate } from '../../../lib/format-date';
import { useSpkiFingerprint } from '../../../lib/spki-fingerprint';
import { useCancelInvite } from '../api/cancel-invite';

/**
 * Every invite stays here until it is accepted, cancelled or lapses, whether or not the name exists or
 * the invite was declined: that is what keeps both secret.
 */
export function SentInvites({ invites }: { invites: readonly SentInvite[] }) {
  if (invites.length === 0) return null;
  return (
    <section className="card" aria-labelledby="sent-heading">
      <h2 id="sent-heading">Invites you sent</h2>
      <ul className="list">
        {invites.map((invite) => (
          <SentInviteItem key={invite.id} invite={invite} />
        ))}
      </ul>
    </section>
  );
}

function SentInviteItem({ invite }: { invite: SentInvite }) {
  const cancel = useCancelInvite();
  return (
    <li className="list-item" aria-label={`Invite to ${invite.communityName}`}>
      <h3>{invite.communityName}</h3>
      <p className="muted">
        Waiting since {formatDate(invite.createdAt)} · lapses on {formatDate(invite.expiresAt)}
      </p>
      <DirectoryFingerprint communityName={invite.communityName} />
      {cancel.isError && <Alert>{errorMessage(cancel.error)}</Alert>}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate(invite.id)}
        >
          Cancel invite
        </button>
      </div>
    </li>
  );
}

/** The key the directory gives for the name, to compare with the friend before they accept. */
function DirectoryFingerprint({ communityName }: { communityName: string }) {
  const entry = useDirectoryKey(communityName);
  const fingerprint = useSpkiFingerprint(entry.data?.publicKey);
  if (!entry.data || !fingerprint.data) return null;
  return (
    <>
      <p className="muted">The fingerprint your friend should see in Settings:</p>
      <Fingerprint value={fingerprint.data} label={`Key fingerprint of ${communityName}`} />
    </>
  );
}
