import { useMutation } from '@tanstack/react-query';
import { useState, type ComponentPropsWithoutRef, type JSX, type Ref } from 'react';
import { Link } from 'react-router';
import { VirtualList } from '../../../components/ui/virtual-list';
import { conversationPath } from '../../../lib/paths';
import { CheckIcon, ClockIcon, StarIcon, TrayIcon, WarningIcon } from '../../../components/ui/icons';
import { errorMessage } from '../../../lib/api-client';
import { setStar } from '../../../lib/history-sync';
import type { Identity } from '../../../../shared/protocol/identity';
import { expiryClock, expiryWords } from '../../../lib/expiry-clock';
import { useNow } from '../../../lib/use-now';
import { expiredWords } from '../../../lib/message-record';
import { isUnread, type MessageRecord, type SentStatus } from '../../../lib/message-store';
import { markMessageRead } from '../api/read-marks';
import { openFailureWords, useOpenedMessage, type SenderKey } from '../api/open-message';
import { clipboardKeeper } from '../reveal/browser-clipboard';
import { ClipboardNotice } from '../reveal/clipboard-notice';
import { useHideWhenAway } from '../reveal/use-hide-when-away';
import { useConfig } from '../../../lib/config-query';
import { rules } from '../../../../shared/rules';

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
export interface Reader {
  accountName: string;
  identity: Identity;
  /** The key a received message from `peer` must be signed with, or null when none is trusted. */
  senderKey: (peer: string) => SenderKey | null;
}

/**
 * Which messages are shown: none at first, one by one or all at once, and none again when the person looks
 * away (the window loses focus or the page sits idle).
 */
export function useReveal(accountName: string, messages: readonly MessageRecord[]) {
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set());
  // Showing a received message is opening it: it is read from then on, in every view.
  const opened = (ids: Iterable<string>) => {
    const now = Date.now();
    for (const id of ids) {
      const message = messages.find((candidate) => candidate.id === id);
      if (message && isUnread(message)) void markMessageRead(accountName, message, now);
    }
  };
  const toggle = (id: string) =>
    setShown((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else {
        next.add(id);
        opened([id]);
      }
      return next;
    });
  const allShown = messages.length > 0 && messages.every((message) => shown.has(message.id));
  const toggleAll = () => {
    if (allShown) setShown(new Set());
    else {
      const ids = messages.map((message) => message.id);
      opened(ids);
      setShown(new Set(ids));
    }
  };
  const idleMs = useConfig().data?.rules.revealIdleMs ?? rules.revealIdleMs;
  useHideWhenAway(() => setShown(new Set()), shown.size > 0, idleMs);
  return { shown, toggle, allShown, toggleAll };
}

export function MessageList({ messages, ...reader }: Reader & { messages: readonly MessageRecord[] }) {
  const { shown, toggle, allShown, toggleAll } = useReveal(reader.accountName, messages);

  return (
    <section className="card" aria-labelledby="messages-heading">
      <div className="section-head">
        <h2 id="messages-heading">Your messages</h2>
        {messages.length > 0 && (
          <button type="button" className="secondary" onClick={toggleAll}>
            {allShown ? 'Hide all' : 'Show all'}
          </button>
        )}
      </div>
      <ClipboardNotice />
      <VirtualList
        items={messages}
        keyOf={(message) => message.id}
        className="list virtual messages"
        rowClassName="virtual-row"
        renderRow={(message, listItem) => (
          <MessageItem
            key={message.id}
            listItem={listItem}
            reader={reader}
            message={message}
            shown={shown.has(message.id)}
            onToggle={() => toggle(message.id)}
          />
        )}
      />
    </section>
  );
}

export function MessageItem({
  reader,
  message,
  shown,
  onToggle,
  listItem = {},
}: {
  reader: Reader;
  message: MessageRecord;
  shown: boolean;
  onToggle: () => void;
  /** Extra attributes for the row (a virtualized list positions and numbers it). */
  listItem?: ComponentPropsWithoutRef<'li'> & { ref?: Ref<HTMLLIElement> };
}) {
  const sent = message.direction === 'sent';
  const who = sent ? `To ${message.peer}` : `From ${message.peer}`;
  const unread = isUnread(message);
  return (
    <li
      {...listItem}
      className={`list-item message message-${message.direction}${unread ? ' unread' : ''}${listItem.className ? ` ${listItem.className}` : ''}`}
      aria-label={`${who}, ${timeFormat.format(message.sentAt)}${unread ? ', unread' : ''}`}
    >
      <p className="message-meta">
        {unread && <span className="badge badge-unread">Unread</span>}{' '}
        <strong>
          {sent ? 'To ' : 'From '}
          <Link to={conversationPath(message.peer)}>{message.peer}</Link>
        </strong>{' '}
        <span className="muted">{timeFormat.format(message.sentAt)}</span> <ExpiryNote message={message} />
      </p>
      {!message.envelope ? (
        <p className="message-expired">{expiredWords(message)}</p>
      ) : shown ? (
        <OpenedBody reader={reader} message={message} />
      ) : (
        <p className="message-masked" aria-label="Hidden message">
          ••••••••••••
        </p>
      )}
      <div className="actions">
        {message.envelope && (
          <button type="button" className="secondary" onClick={onToggle}>
            {shown ? 'Hide' : 'Show'}
          </button>
        )}
        {(message.envelope || message.starred) && (
          <StarButton accountName={reader.accountName} identity={reader.identity} message={message} />
        )}
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
        <WarningIcon /> {openFailureWords(opened.error)}
      </p>
    );
  }
  return (
    <>
      {opened.data.unverifiedSender && (
        <p className="muted">Not verified yet: {message.peer} has not joined your Ring of Trust.</p>
      )}
      <p className="message-text">{opened.data.text}</p>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => void clipboardKeeper.copy(opened.data.text)}
        >
          Copy
        </button>
      </div>
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

/** Star / Unstar: at most five, kept past the 7 days; a sixth is refused with the server's sentence. */
function StarButton({
  accountName,
  identity,
  message,
}: {
  accountName: string;
  identity: Identity;
  message: MessageRecord;
}) {
  const starred = message.starred ?? false;
  const star = useMutation({
    mutationFn: () =>
      setStar(
        accountName,
        {
          from: message.direction === 'sent' ? (identity.communityName ?? '') : message.peer,
          id: message.id,
          read: !isUnread(message),
        },
        !starred,
      ),
  });
  return (
    <>
      <button type="button" className="secondary" disabled={star.isPending} onClick={() => star.mutate()}>
        <StarIcon filled={starred} /> {starred ? 'Unstar' : 'Star'}
      </button>
      {star.isError && (
        <p role="alert" className="alert alert-error">
          {errorMessage(star.error)}
        </p>
      )}
    </>
  );
}

/** How long this message has left: the outbox's, the hold's or retention's clock (DESIGN §2). */
function ExpiryNote({ message }: { message: MessageRecord }) {
  const config = useConfig().data?.rules ?? rules;
  const now = useNow();
  const words = expiryWords(expiryClock(message, config), now);
  return words ? <span className="muted expiry">· {words}</span> : null;
}
