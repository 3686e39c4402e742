import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { countCharacters, messageTextProblem } from '../../../../shared/message-text';
import { rules } from '../../../../shared/rules';
import { Alert } from '../../../components/ui/alert';
import { errorMessage } from '../../../lib/api-client';
import type { Recipient } from '../api/recipients';
import type { useSendMessage } from '../api/send-message';

/**
 * Write, pick, send. The count is of characters as a person sees them (one emoji is one), and every reason a
 * message cannot go is said before anything is encrypted. Enter sends; Shift+Enter starts a new line.
 */
export function ComposeForm({
  recipients,
  initialRecipient,
  send,
  label = 'New message',
}: {
  recipients: readonly Recipient[];
  initialRecipient: string | null;
  send: ReturnType<typeof useSendMessage>;
  label?: string;
}) {
  const [text, setText] = useState('');
  const [to, setTo] = useState(() =>
    initialRecipient && recipients.some((r) => r.communityName === initialRecipient) ? initialRecipient : '',
  );
  const [submitted, setSubmitted] = useState(false);
  const headingId = useId();
  const counterId = useId();
  const problemId = useId();

  const recipient = recipients.find((candidate) => candidate.communityName === to) ?? null;
  const count = countCharacters(text);
  const textProblem = messageTextProblem(text);
  // "Still checking" is no reason to refuse: sending asks the pins (and looks the key up) itself.
  const writable = recipient?.writable;
  const recipientProblem = !to
    ? 'Choose who to send it to.'
    : writable && !writable.ok && writable.reason !== 'checking'
      ? writable.message
      : null;
  const problem = textProblem ?? recipientProblem;

  function submit(event?: FormEvent) {
    event?.preventDefault();
    setSubmitted(true);
    if (problem || !recipient) return;
    send.mutate(
      { recipient, text },
      {
        onSuccess: () => {
          setText('');
          setSubmitted(false);
        },
      },
    );
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  const over = count > rules.messageMaxChars;
  return (
    <form className="card compose" onSubmit={submit} aria-labelledby={headingId} noValidate>
      <h2 id={headingId}>{label}</h2>
      <div className="field">
        <label htmlFor={`${headingId}-recipient`}>Recipient</label>
        <select
          id={`${headingId}-recipient`}
          value={to}
          onChange={(event) => {
            setTo(event.target.value);
            send.reset();
          }}
        >
          <option value="">Choose…</option>
          {recipients.map((candidate) => (
            <option key={candidate.communityName} value={candidate.communityName}>
              {candidate.communityName}
              {candidate.kind === 'pending' ? ' (invite pending, not verified)' : ''}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${headingId}-message`}>Message</label>
        <textarea
          id={`${headingId}-message`}
          rows={3}
          value={text}
          aria-invalid={submitted && textProblem ? true : undefined}
          aria-describedby={[counterId, submitted && problem ? problemId : ''].filter(Boolean).join(' ')}
          onChange={(event) => {
            setText(event.target.value);
            send.reset();
          }}
          onKeyDown={onKeyDown}
        />
        <small id={counterId} className={`field-hint counter${over ? ' counter-over' : ''}`}>
          {count} / {rules.messageMaxChars}
        </small>
      </div>
      {recipient?.kind === 'pending' && (
        <p className="muted">
          {recipient.communityName} has not joined your Ring yet: use this only to check you have the right
          person, e.g. ask where you last met.
        </p>
      )}
      {submitted && problem && (
        <p id={problemId} role="alert" className="alert alert-error">
          {problem}
        </p>
      )}
      {send.isError && <Alert>{errorMessage(send.error)}</Alert>}
      <button type="submit" disabled={send.isPending}>
        Send
      </button>
    </form>
  );
}
