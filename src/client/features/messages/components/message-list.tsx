import { useState, type JSX } from 'react';
import { CheckIcon, ClockIcon, TrayIcon, WarningIcon } from '../../../components/ui/icons';
import type { Identity } from '../../../../shared/protocol/identity';
import type { MessageRecord, SentStatus } from '../../../lib/message-store';
import { useOpenedMessage, type SenderKey } from '../api/open-message';

const STATUS_WORDS: Record<SentStatus, string> = {
  sending: 'Sending',
  enqueued: 'Enqueued',
  delivered: 'Delivered',
  error: 'Error',
};

const STATUS_ICONS: Record<SentStatus, JSX.Element> = {
  sending: <ClockIcon />,
  enqueued: <TrayIcon />,
  delivered: <CheckIcon />,
  error: <WarningIcon />,
};

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Bodies are hidden like passwords until asked for (the Passpack seed): decryption happens only then, in
 * the worker, and the text leaves the screen again with Hide.
 */
interface Reader {
  accountName: string;
  identity: Identity;
  /** The key a received message from `peer` must be signed with, or null when none is trusted. */
  senderKey: (peer: string) => SenderKey | null;
}

export function MessageList({ messages, ...reader }: Reader & { messages: readonly MessageRecord[] }) {
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setShown((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allShown = messages.length > 0 && messages.every((message) => shown.has(message.id));

  return (
    <section className="card" aria-labelledby="messages-heading">
      <div className="section-head">
        <h2 id="messages-heading">Your messages</h2>
        {messages.length > 0 && (
          <button
            type="button"
            className="secondary"
            onClick={() => setShown(allShown ? new Set() : new Set(messages.map((message) => message.id)))}
          >
            {allShown ? 'Hide all' : 'Show all'}
          </button>
        )}
      </div>
      <ul className="list">
        {messages.map((message) => (
          <MessageItem
            key={message.id}
            reader={reader}
            message={message}
            shown={shown.has(message.id)}
            onToggle={() => toggle(message.id)}
          />
        ))}
      </ul>
    </section>
  );
}

function MessageItem({
  reader,
  message,
  shown,
  onToggle,
}: {
  reader: Reader;
  message: MessageRecord;
  shown: boolean;
  onToggle: () => void;
}) {
  const sent = message.direction === 'sent';
  const who = sent ? `To ${message.peer}` : `From ${message.peer}`;
  return (
    <li
      className={`list-item message message-${message.direction}`}
      aria-label={`${who}, ${timeFormat.format(message.sentAt)}`}
    >
      <p className="message-meta">
        <strong>{who}</strong> <span className="muted">{timeFormat.format(message.sentAt)}</span>
      </p>
      {shown ? (
        <OpenedBody reader={reader} message={message} />
      ) : (
        <p className="message-masked" aria-label="Hidden message">
          ••••••••••••
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={onToggle}>
          {shown ? 'Hide' : 'Show'}
        </button>
        {sent && <StatusBadge status={message.status} reason={message.statusReason} />}
      </div>
    </li>
  );
}

function OpenedBody({ reader, message }: { reader: Reader; message: MessageRecord }) {
  const opened = useOpenedMessage(
    reader.accountName,
    reader.identity,
    message,
    message.direction === 'received' ? reader.senderKey(message.peer) : null,
  );
  if (opened.isPending) return <p className="muted">Opening…</p>;
  if (opened.isError) {
    return (
      <p role="alert" className="alert alert-error">
        <WarningIcon /> This message could not be verified.
      </p>
    );
  }
  return (
    <>
      {opened.data.unverifiedSender && (
        <p className="muted">Not verified yet: {message.peer} has not joined your Ring of Trust.</p>
      )}
      <p className="message-text">{opened.data.text}</p>
    </>
  );
}

/** The status in words beside an icon, never a colour alone; changes are read out (aria-live). */
function StatusBadge({ status, reason }: { status: SentStatus; reason: string | null }) {
  return (
    <span className={`status status-${status}`} aria-live="polite">
      {STATUS_ICONS[status]}
      {STATUS_WORDS[status]}
      {status === 'error' && reason ? <span className="muted">: {reason}</span> : null}
    </span>
  );
}
