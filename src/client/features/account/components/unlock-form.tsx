import { useState, type FormEvent } from 'react';
import { Alert } from '../../../components/ui/alert';
import { CurrentPasswordField } from './current-password-field';
import { errorMessage } from '../../../lib/api-client';
import { useSignIn } from '../api/sign-in';

/**
 * The wrap key exists only in memory, so after a reload the password is needed again before anything is
 * sealed or opened with it. Signing in again checks the password and brings the wrap key back.
 */
export function UnlockForm({ accountName, reason }: { accountName: string; reason: string }) {
  const signIn = useSignIn();
  const [password, setPassword] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.mutate({ accountName, password }, { onSuccess: () => setPassword('') });
  }

  return (
    <form className="unlock" onSubmit={submit} aria-label="Unlock">
      <p>{reason}</p>
      <input type="hidden" name="username" autoComplete="username" value={accountName} />
      <CurrentPasswordField value={password} onChange={setPassword} />
      {signIn.isError && <Alert>{errorMessage(signIn.error)}</Alert>}
      <button type="submit" disabled={signIn.isPending}>
        {signIn.isPending ? 'Unlocking…' : 'Unlock'}
      </button>
    </form>
  );
}
