import { useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { NavLink } from 'react-router';
import { rules } from '../../../../shared/rules';
import { nameProblem, normalizeName } from '../../../../shared/protocol/names';
import { Alert } from '../../../components/ui/alert';
import { TextField } from '../../../components/ui/text-field';
import { CurrentPasswordField } from './current-password-field';
import { errorMessage } from '../../../lib/api-client';
import { focusFirstInvalid } from '../../../lib/focus-first-invalid';
import { usePageTitle } from '../../../lib/page-title';
import { useCreateAccount } from '../api/create-account';
import { useSignIn } from '../api/sign-in';

type Mode = 'sign-in' | 'create-account';

export function AuthScreen({ mode }: { mode: Mode }) {
  usePageTitle(mode === 'sign-in' ? 'Sign in' : 'Create account');
  return (
    <main className="auth">
      <h1 className="brand">Ringpost</h1>
      <p className="tagline">Short, end-to-end encrypted messages between people who know each other.</p>
      <nav className="auth-switch" aria-label="Account">
        <NavLink to="/sign-in">Sign in</NavLink>
        <NavLink to="/create-account">Create account</NavLink>
      </nav>
      {mode === 'sign-in' ? <SignInForm /> : <CreateAccountForm />}
    </main>
  );
}

function SignInForm() {
  const signIn = useSignIn();
  const [accountName, setAccountName] = useState('');
  const [password, setPassword] = useState('');
  const [submitted, setSubmitted] = useState(false);

  const nameIssue = accountName.trim() ? null : 'Enter your account name.';
  const passwordIssue = password ? null : 'Enter your password.';

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (nameIssue || passwordIssue) {
      // The problems must be in the page before focus moves, so the field is read out with its problem.
      flushSync(() => setSubmitted(true));
      focusFirstInvalid(form);
      return;
    }
    setSubmitted(true);
    signIn.mutate({ accountName, password });
  }

  // noValidate: the browser's own pop-ups vanish on the next keystroke, are not tied to the field for
  // assistive technology, and do not match the rest of the app's wording.
  return (
    <form className="card" onSubmit={submit} aria-label="Sign in" noValidate>
      <TextField
        label="Account name"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        required
        problem={submitted ? nameIssue : null}
        value={accountName}
        onChange={(event) => setAccountName(event.target.value)}
      />
      <CurrentPasswordField
        value={password}
        onChange={setPassword}
        problem={submitted ? passwordIssue : null}
      />
      {signIn.isError && <Alert>{errorMessage(signIn.error)}</Alert>}
      <button type="submit" disabled={signIn.isPending}>
        {signIn.isPending ? 'Signing in…' : 'Sign in'}
      </button>
      {signIn.isPending && <p className="muted">Unlocking your keys on this device…</p>}
    </form>
  );
}

function CreateAccountForm() {
  const createAccount = useCreateAccount();
  const [accountName, setAccountName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);

  const nameIssue = accountName ? nameProblem(normalizeName(accountName)) : 'Choose an account name.';
  const passwordIssue =
    password.length < rules.passwordMinChars
      ? `Use at least ${rules.passwordMinChars} characters.`
      : password.length > rules.passwordMaxChars
        ? `Use at most ${rules.passwordMaxChars} characters.`
        : null;
  const confirmIssue = confirm !== password ? 'The two passwords are not the same.' : null;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (nameIssue || passwordIssue || confirmIssue) {
      flushSync(() => setSubmitted(true));
      focusFirstInvalid(form);
      return;
    }
    setSubmitted(true);
    createAccount.mutate({ accountName, password });
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Create account" noValidate>
      <TextField
        label="Account name"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        hint="3–32 characters: letters a–z, digits, dots, underscores, hyphens. Only you use it, to sign in."
        problem={submitted ? nameIssue : null}
        value={accountName}
        onChange={(event) => setAccountName(event.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        name="new-password"
        autoComplete="new-password"
        hint={`At least ${rules.passwordMinChars} characters. A short sentence is easy to remember and hard to guess.`}
        problem={submitted ? passwordIssue : null}
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <TextField
        label="Confirm password"
        type="password"
        name="confirm-password"
        autoComplete="new-password"
        problem={submitted ? confirmIssue : null}
        value={confirm}
        onChange={(event) => setConfirm(event.target.value)}
      />
      <p className="warning">
        Ringpost never receives your password and cannot reset it. If you forget it, your messages and keys
        cannot be recovered.
      </p>
      {createAccount.isError && <Alert>{errorMessage(createAccount.error)}</Alert>}
      <button type="submit" disabled={createAccount.isPending}>
        {createAccount.isPending ? 'Creating account…' : 'Create account'}
      </button>
    </form>
  );
}
