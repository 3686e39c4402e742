import { useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { nameProblem, normalizeName } from '../../../../shared/protocol/names';
import { Alert } from '../../../components/ui/alert';
import { TextField } from '../../../components/ui/text-field';
import { errorMessage } from '../../../lib/api-client';
import { focusFirstInvalid } from '../../../lib/focus-first-invalid';
import { useSendInvite } from '../api/send-invite';

/**
 * The confirmation is the same sentence for every name, real or not, yours or a member's: the page knows
 * no more than the server said, and the server says the same thing every time.
 */
export function InviteForm() {
  const invite = useSendInvite();
  const [name, setName] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const normalized = normalizeName(name);
  const problem = name ? nameProblem(normalized) : "Type your friend's community name.";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (problem) {
      flushSync(() => setSubmitted(true));
      focusFirstInvalid(form);
      return;
    }
    setSubmitted(false);
    invite.mutate(normalized, { onSuccess: () => setName('') });
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="invite-heading" noValidate>
      <h2 id="invite-heading">Invite a friend</h2>
      <p className="muted">
        Ask your friend for their community name and type it exactly. Ringpost will not tell you whether the
        name exists or whether the invite was declined: you will hear only if it is accepted.
      </p>
      <TextField
        label="Friend's community name"
        autoCapitalize="none"
        autoComplete="off"
        spellCheck={false}
        problem={submitted ? problem : null}
        value={name}
        onChange={(event) => {
          setName(event.target.value);
          invite.reset();
        }}
      />
      {invite.isSuccess && (
        <Alert tone="success">
          Invite sent to {invite.data.communityName}. If they accept, they will join your Ring of Trust.
        </Alert>
      )}
      {invite.isError && <Alert>{errorMessage(invite.error)}</Alert>}
      <button type="submit" disabled={invite.isPending}>
        Invite
      </button>
    </form>
  );
}
