import { Link, useParams } from 'react-router';
import type { Account } from '../../../../shared/protocol/account';
import { nameSchema } from '../../../../shared/protocol/names';
import type { Identity } from '../../../../shared/protocol/identity';
import { Alert } from '../../../components/ui/alert';
import { EmptyState } from '../../../components/ui/empty-state';
import { errorMessage } from '../../../lib/api-client';
import { useConfig } from '../../../lib/config-query';
import { useIdentity } from '../../../lib/identity-query';
import { usePageTitle } from '../../../lib/page-title';
import { senderKeyFrom, useRecipients } from '../api/recipients';
import { useSendMessage } from '../api/send-message';
import { useStoredMessages } from '../../../lib/stored-messages';
import { ClipboardNotice } from '../reveal/clipboard-notice';
import { ComposeForm } from './compose-form';
import { MessageItem, useReveal } from './message-list';

/**
 * One contact's messages, oldest first as a conversation reads: yours on the right, theirs on the left (the
 * PrivateGSM seed), each masked until shown, and a reply box at the bottom that sends as the compose form
 * does. The page title names no one: it shows in the browser's tab list and history.
 */
export function ConversationPage({ account }: { account: Account }) {
  usePageTitle('Conversation');
  const params = useParams();
  const peer = nameSchema.safeParse(params.name ?? '');
  const identity = useIdentity();

  return (
    <div className="stack">
      <h1>{peer.success ? `Conversation with ${peer.data}` : 'Conversation'}</h1>
      {identity.isError && <Alert>{errorMessage(identity.error)}</Alert>}
      {!peer.success ? (
        <Alert>That is not a community name. Open a conversation from People, Messages or History.</Alert>
      ) : (
        identity.data?.communityName && (
          <Conversation accountName={account.name} identity={identity.data} peer={peer.data} />
        )
      )}
    </div>
  );
}

function Conversation({
  accountName,
  identity,
  peer,
}: {
  accountName: string;
  identity: Identity;
  peer: string;
}) {
  const config = useConfig();
  const { recipients, ring, trust } = useRecipients(accountName);
  const send = useSendMessage(accountName, identity, config.data);
  const stored = useStoredMessages(accountName);
  const messages = (stored ?? []).filter((message) => message.peer === peer).reverse();
  const reveal = useReveal(accountName, messages);
  const recipient = recipients.filter((candidate) => candidate.communityName === peer);
  const senderKey = senderKeyFrom(recipients, ring.data, trust);

  if (ring.isPending || stored === null) return <p role="status">Loading the conversation…</p>;
  return (
    <>
      <section className="card" aria-labelledby="conversation-heading">
        <div className="section-head">
          <h2 id="conversation-heading">Messages</h2>
          {messages.length > 0 && (
            <button type="button" className="secondary" onClick={reveal.toggleAll}>
              {reveal.allShown ? 'Hide all' : 'Show all'}
            </button>
          )}
        </div>
        <ClipboardNotice />
        {messages.length === 0 ? (
          <EmptyState title="No messages yet">
            <p>Nothing has been sent or received with {peer} in this browser in the last 7 days.</p>
          </EmptyState>
        ) : (
          <ul className="list conversation">
            {messages.map((message) => (
              <MessageItem
                key={message.id}
                reader={{ accountName, identity, senderKey }}
                message={message}
                shown={reveal.shown.has(message.id)}
                onToggle={() => reveal.toggle(message.id)}
              />
            ))}
          </ul>
        )}
      </section>
      {recipient.length === 0 ? (
        <p className="muted">
          You cannot write to {peer}: they are not in your Ring of Trust and no invite is pending.{' '}
          <Link to="/people">Go to People</Link>
        </p>
      ) : (
        <ComposeForm recipients={recipient} initialRecipient={peer} send={send} label="Reply" />
      )}
    </>
  );
}
