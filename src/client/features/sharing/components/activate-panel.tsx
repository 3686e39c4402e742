import { useState, type FormEvent, type ReactNode } from 'react';
import { isAllowedKeyBits, rules, type KeyBits } from '../../../../shared/rules';
import { Alert } from '../../../components/ui/alert';
import { errorMessage } from '../../../lib/api-client';
import { useConfig } from '../../../lib/config-query';
import { useWrapKey } from '../../../lib/session-keys';
import { useActivateSharing, type ActivationStage } from '../api/activate-sharing';

const STAGE_TEXT: Record<ActivationStage, string> = {
  generating: 'Generating your keypair in the background…',
  uploading: 'Saving your public key and encrypted backup…',
  storing: 'Keeping your keys in this browser…',
};

// 1024 bits stays the default because it is what Passpack used and what Ringpost promises, but the labels
// say plainly that it is below what is recommended today (NIST SP 800-57 asks for 2048 bits or more).
const SIZE_NOTES: Record<KeyBits, string> = {
  1024: "1024 bits (Passpack-compatible; below today's recommendation)",
  2048: '2048 bits (recommended)',
  3072: '3072 bits (strongest; slower to make)',
};

export function ActivatePanel({
  accountName,
  unlock,
}: {
  accountName: string;
  unlock: (reason: string) => ReactNode;
}) {
  const config = useConfig();
  const wrapKey = useWrapKey();
  const activate = useActivateSharing(accountName);
  const [chosen, setChosen] = useState<KeyBits | null>(null);
  const published = config.data?.keys.defaultBits;
  const bits = chosen ?? (isAllowedKeyBits(published) ? published : rules.defaultKeyBits);

  function submit(event: FormEvent) {
    event.preventDefault();
    activate.mutate(bits);
  }

  return (
    <section className="card" aria-labelledby="sharing-heading">
      <h2 id="sharing-heading">Sharing</h2>
      <p>
        Activating sharing makes your keypair in this browser. Your private key never leaves it unencrypted:
        Ringpost keeps only a copy sealed with your password, so you can sign in from another browser.
      </p>
      {wrapKey ? (
        <form onSubmit={submit} className="stack" aria-label="Activate Sharing">
          <div className="field">
            <label htmlFor="key-size">Key size</label>
            <select
              id="key-size"
              aria-describedby="key-size-hint"
              value={bits}
              disabled={activate.isPending}
              onChange={(event) => {
                const size = Number(event.target.value);
                if (isAllowedKeyBits(size)) setChosen(size);
              }}
            >
              {rules.keyBitsAllowed.map((size) => (
                <option key={size} value={size}>
                  {SIZE_NOTES[size]}
                </option>
              ))}
            </select>
            <small id="key-size-hint" className="field-hint">
              1024 bits matches Passpack. Today's guidance is 2048 bits or more.
            </small>
          </div>
          {activate.isPending && (
            <div className="progress" role="status">
              <progress aria-label="Activation progress" />
              <span>{activate.stage ? STAGE_TEXT[activate.stage] : 'Starting…'}</span>
            </div>
          )}
          {activate.isError && <Alert>{errorMessage(activate.error)}</Alert>}
          <button type="submit" disabled={activate.isPending}>
            Activate Sharing
          </button>
        </form>
      ) : (
        unlock('Enter your password to activate sharing: it seals the backup of your private key.')
      )}
    </section>
  );
}
