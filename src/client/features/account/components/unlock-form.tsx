import { useId, useState, type FormEvent } from 'react';
import { Alert } from '../../../components/ui/alert';
import { errorMessage } from '../../../lib/api-client';
import { useUnlock } from '../api/unlock';
import { CurrentPasswordField } from './current-password-field';

/**
 * The wrap key exists only in memory, so after a reload the password is needed again before anything is
 * sealed or opened with it. The password is checked in this browser against the key backup (see
 * useUnlock); the session is left as it is.
 */
export function UnlockForm({ accountName, reason }: { accountName: string; reason: string }) {
  const unlock = useUnlock();
  const [password, setPassword] = useState('');
  const headingId = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    unlock.mutate({ accountName, password }, { onSuccess: () => setPassword('') });
  }

  return (
    <form className="card unlock" onSubmit={submit} aria-labelledby={headingId}>
      <h3 id={headingId}>Unlock</h3>
      <p>{reason}</p>
      <input type="hidden" name="username" autoComplete="username" value={accountName} />
      <CurrentPasswordField value={password} onChange={setPassword} />
      {unlock.isError && <Alert>{errorMessage(unlock.error)}</Alert>}
      <button type="submit" disabled={unlock.isPending}>
        {unlock.isPending ? 'Unlocking…' : 'Unlock'}
      </button>
    </form>
  );
}
