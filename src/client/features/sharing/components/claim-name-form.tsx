import { useState, type FormEvent } from 'react';
import { nameProblem, normalizeName } from '../../../../shared/protocol/names';
import { Alert } from '../../../components/ui/alert';
import { TextField } from '../../../components/ui/text-field';
import { errorMessage } from '../../../lib/api-client';
import { useClaimCommunityName } from '../api/claim-community-name';

export function ClaimNameForm() {
  const claim = useClaimCommunityName();
  const [name, setName] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);

  const normalized = normalizeName(name);
  const nameIssue = name ? nameProblem(normalized) : 'Choose a community name.';
  const confirmIssue = normalizeName(confirm) !== normalized ? 'The two names are not the same.' : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (nameIssue || confirmIssue) return;
    claim.mutate(normalized);
  }

  return (
    <form className="stack" onSubmit={submit} aria-labelledby="claim-name-heading" noValidate>
      <h3 id="claim-name-heading">Choose your community name</h3>
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
      <TextField
        label="Confirm community name"
        autoCapitalize="none"
        autoComplete="off"
        spellCheck={false}
        problem={submitted ? confirmIssue : null}
        value={confirm}
        onChange={(event) => setConfirm(event.target.value)}
        onPaste={(event) => event.preventDefault()}
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
