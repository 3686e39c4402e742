import { useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { nameProblem, normalizeName } from '../../../../shared/protocol/names';
import { Alert } from '../../../components/ui/alert';
import { TextField } from '../../../components/ui/text-field';
import { errorMessage } from '../../../lib/api-client';
import { focusFirstInvalid } from '../../../lib/focus-first-invalid';
import type { useClaimCommunityName } from '../api/claim-community-name';

/**
 * `claim` comes from the parent, which stays on the page after this form goes, so it can still say what
 * happened.
 */
export function ClaimNameForm({ claim }: { claim: ReturnType<typeof useClaimCommunityName> }) {
  const [name, setName] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);

  const normalized = normalizeName(name);
  const nameIssue = name ? nameProblem(normalized) : 'Choose a community name.';
  const confirmIssue = normalizeName(confirm) !== normalized ? 'The two names are not the same.' : null;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (nameIssue || confirmIssue) {
      // The problems must be in the page before focus moves, so the field is read out with its problem.
      flushSync(() => setSubmitted(true));
      focusFirstInvalid(form);
      return;
    }
    setSubmitted(true);
    claim.mutate(normalized);
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="claim-name-heading" noValidate>
      <h2 id="claim-name-heading">Choose your community name</h2>
      <p className="warning">
        <strong>Your community name can never be changed.</strong> It is the only way friends can add you to
        their Ring of Trust, and how you are known in every Ringpost conversation. Check the spelling twice.
      </p>
      <TextField
        label="Community name"
        autoCapitalize="none"
        autoComplete="off"
        spellCheck={false}
        hint="3–32 characters: letters a–z, digits, dots, underscores, hyphens. Capitals count as small letters."
        problem={submitted ? nameIssue : null}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      {/* Pasting is allowed: blocking it hurts people who use password managers or dictation, and the
          preview below shows the exact name before it is claimed. */}
      <TextField
        label="Confirm community name"
        autoCapitalize="none"
        autoComplete="off"
        spellCheck={false}
        problem={submitted ? confirmIssue : null}
        value={confirm}
        onChange={(event) => setConfirm(event.target.value)}
      />
      {name && !nameIssue && (
        <p className="muted">
          You will be known as <strong>{normalized}</strong>.
        </p>
      )}
      {claim.isError && <Alert>{errorMessage(claim.error)}</Alert>}
      <button type="submit" disabled={claim.isPending}>
        Claim community name
      </button>
    </form>
  );
}
