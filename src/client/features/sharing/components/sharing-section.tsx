import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatFingerprint } from '../../../../shared/crypto/fingerprint';
import { Alert } from '../../../components/ui/alert';
import { errorMessage } from '../../../lib/api-client';
import { useDeviceKeys, type DeviceKeysState, type StoragePersistence } from '../../../lib/device-keys';
import { useClaimCommunityName } from '../api/claim-community-name';
import { useIdentity } from '../../../lib/identity-query';
import { ActivatePanel } from './activate-panel';
import { ClaimNameForm } from './claim-name-form';

const PERSISTENCE_TEXT: Record<StoragePersistence, string> = {
  persistent: 'Persistent: this browser will not clear your keys to free up space.',
  'best-effort':
    'Best effort: this browser may clear your keys if space runs low. Signing in restores them from your encrypted backup.',
  unsupported:
    'This browser cannot promise to keep your keys. Signing in restores them from your encrypted backup.',
};

const SOURCE_TEXT: Record<Exclude<DeviceKeysState['source'], 'locked'>, string> = {
  device: 'Stored in this browser.',
  generated: 'Made and stored in this browser.',
  restored: 'Restored from your encrypted backup and stored in this browser.',
};

/** `unlock` renders the account's password prompt, for when the wrap key is not in memory. */
export function SharingSection({
  accountName,
  unlock,
}: {
  accountName: string;
  unlock: (reason: string) => ReactNode;
}) {
  const identity = useIdentity();
  const deviceKeys = useDeviceKeys(accountName, identity.data);
  // Held here rather than in the form, which leaves the page the moment the claim succeeds.
  const claim = useClaimCommunityName();

  if (identity.isPending) return <p role="status">Loading your sharing settings…</p>;
  if (identity.isError) return <Alert>{errorMessage(identity.error)}</Alert>;
  if (!identity.data) return <ActivatePanel accountName={accountName} unlock={unlock} />;

  const { communityName, fingerprint, keyBits } = identity.data;
  const details = (
    <section className="card" aria-labelledby="sharing-heading">
      <h2 id="sharing-heading">Sharing</h2>
      <dl className="facts">
        {communityName !== null && (
          <>
            <dt>Community name</dt>
            <dd data-testid="community-name">{communityName}</dd>
          </>
        )}
        <dt>Key fingerprint</dt>
        <dd className="fingerprint" aria-label="Key fingerprint">
          {formatFingerprint(fingerprint)}
        </dd>
        <dt>Key size</dt>
        <dd>{keyBits} bits</dd>
        <dt>Keys</dt>
        <dd>
          {deviceKeys.isPending
            ? 'Checking this browser…'
            : deviceKeys.isError
              ? 'Not in this browser.'
              : deviceKeys.data.source === 'locked'
                ? 'Not in this browser yet.'
                : SOURCE_TEXT[deviceKeys.data.source]}
        </dd>
        {deviceKeys.data && (
          <>
            <dt>Storage</dt>
            <dd>{PERSISTENCE_TEXT[deviceKeys.data.persistence]}</dd>
          </>
        )}
      </dl>
      <p className="muted">
        Friends can compare this fingerprint with you aloud or in person: if it matches what their Ringpost
        shows for you, nobody is standing in between.
      </p>
      {deviceKeys.isError && (
        <Alert>
          Your keys could not be restored from the backup: {errorMessage(deviceKeys.error)} Sign out and sign
          in again with your password.
        </Alert>
      )}
      {deviceKeys.data?.source === 'locked' &&
        unlock(
          'Your keys are not in this browser yet. Enter your password to restore them from your encrypted backup.',
        )}
    </section>
  );

  // The one choice that can never be undone comes before the technical details, not under them.
  if (communityName === null) {
    return (
      <>
        <ClaimNameForm claim={claim} />
        {details}
      </>
    );
  }
  return (
    <>
      {claim.isSuccess && (
        <Alert tone="success" takeFocus>
          You are now known as <strong>{communityName}</strong>. Next: invite a friend from{' '}
          <Link to="/people">People</Link>.
        </Alert>
      )}
      {details}
    </>
  );
}
