import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Account } from '../../../../shared/protocol/account';
import type { Identity } from '../../../../shared/protocol/identity';
import { rules } from '../../../../shared/rules';
import { Alert } from '../../../components/ui/alert';
import { EmptyState } from '../../../components/ui/empty-state';
import { VirtualList } from '../../../components/ui/virtual-list';
import { errorMessage } from '../../../lib/api-client';
import { markEventsRead } from '../../../lib/history-reads';
import { useIdentity } from '../../../lib/identity-query';
import type { UseMessageRows } from '../../../lib/message-rows';
import { usePageTitle } from '../../../lib/page-title';
import { conversationPath } from '../../../lib/paths';
import type { HistoryEvent } from '../api/history-events';
import { useHistoryEvents } from '../api/use-history-events';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** `useMessageRows` draws the messages as the messages feature does (the app passes it in). */
export function HistoryPage({
  account,
  useMessageRows,
}: {
  account: Account;
  useMessageRows: UseMessageRows;
}) {
  usePageTitle('History');
  const identity = useIdentity();
  return (
    <div className="stack">
      <h1>History</h1>
      {identity.isError && <Alert>{errorMessage(identity.error)}</Alert>}
      {identity.data?.communityName ? (
        <HistoryList accountName={account.name} identity={identity.data} useMessageRows={useMessageRows} />
      ) : (
        identity.data !== undefined && <Empty />
      )}
    </div>
  );
}

function Empty() {
  return (
    <EmptyState title="Nothing in the last 7 days">
      <p>
        History lists every message, invite and acceptance of the last 7 days, newest first. After 7 days the
        content is destroyed; up to 5 starred messages are kept.
      </p>
    </EmptyState>
  );
}

function HistoryList({
  accountName,
  identity,
  useMessageRows,
}: {
  accountName: string;
  identity: Identity;
  useMessageRows: UseMessageRows;
}) {
  const { events, loading } = useHistoryEvents(accountName);
  const queryClient = useQueryClient();
  const messages = events.flatMap((event) => (event.kind === 'message' ? [event.message] : []));
  const rows = useMessageRows(accountName, identity, messages);

  if (loading) return <p role="status">Loading your history…</p>;
  if (events.length === 0) return <Empty />;
  const starred = messages.filter((message) => message.starred);
  return (
    <>
      {starred.length > 0 && (
        <section className="card" aria-labelledby="starred-heading">
          <h2 id="starred-heading">
            Starred ({starred.length} of {rules.maxStars})
          </h2>
          <p className="muted">Starred messages are kept past the 7 days. Unstar one to let it go.</p>
          <ul className="list">{starred.map((message) => rows.row(message))}</ul>
        </section>
      )}
      <section className="card" aria-labelledby="history-heading">
        <div className="section-head">
          <h2 id="history-heading">Last 7 days</h2>
          {messages.length > 0 && (
            <button type="button" className="secondary" onClick={rows.toggleAll}>
              {rows.allShown ? 'Hide all' : 'Show all'}
            </button>
          )}
        </div>
        {rows.notice}
        <VirtualList
          items={events}
          keyOf={(event) => event.key}
          className="list virtual history"
          rowClassName="virtual-row"
          renderRow={(event, listItem) =>
            event.kind === 'message' ? (
              rows.row(event.message, listItem)
            ) : (
              <li
                key={event.key}
                {...listItem}
                className={`list-item virtual-row history-ring-event${event.unread ? ' unread' : ''}`}
              >
                <RingEvent event={event} onOpen={() => void markEventsRead(queryClient, [event.key])} />
              </li>
            )
          }
        />
      </section>
    </>
  );
}

/** An invite, an acceptance or a key change; following its link opens it (and so reads it). */
function RingEvent({
  event,
  onOpen,
}: {
  event: Exclude<HistoryEvent, { kind: 'message' }>;
  onOpen: () => void;
}) {
  const when = (
    <>
      {event.unread && <span className="badge badge-unread">Unread</span>}{' '}
      <span className="muted">{timeFormat.format(event.at)}</span>
    </>
  );
  switch (event.kind) {
    case 'invite':
      return (
        <p>
          <strong>Invite from {event.peer}</strong> {when}{' '}
          <Link to="/people" onClick={onOpen}>
            Answer it in People
          </Link>
        </p>
      );
    case 'joined':
      return (
        <p>
          <strong>
            {event.invitedByMe ? `${event.peer} accepted your invite` : `You accepted ${event.peer}’s invite`}
          </strong>{' '}
          {when}{' '}
          <Link to={conversationPath(event.peer)} onClick={onOpen}>
            Conversation
          </Link>
        </p>
      );
    case 'key-change':
      return (
        <p>
          <strong>
            {event.resolved ? `${event.peer}’s new key was verified` : `${event.peer}’s key changed`}
          </strong>{' '}
          {when}{' '}
          <Link to="/people" onClick={onOpen}>
            Compare fingerprints in People
          </Link>
        </p>
      );
  }
}
