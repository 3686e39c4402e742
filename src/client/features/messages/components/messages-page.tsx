import { useSearchParams } from 'react-router';
import type { Account } from '../../../../shared/protocol/account';
import type { Identity } from '../../../../shared/protocol/identity';
import { Alert } from '../../../components/ui/alert';
import { EmptyState } from '../../../components/ui/empty-state';
import { errorMessage } from '../../../lib/api-client';
import { useConfig } from '../../../lib/config-query';
import { useIdentity } from '../../../lib/identity-query';
import { usePageTitle } from '../../../lib/page-title';
import { senderKeyFrom, useRecipients } from '../api/recipients';
import { useStoredMessages } from '../../../lib/stored-messages';
import { useSendMessage } from '../api/send-message';
import { ComposeForm } from './compose-form';
import { MessageList } from './message-list';

const INTRO =
  'Messages are at most 160 characters, encrypted in this browser before they leave it, and readable only by you and the one person you send them to.';

export function MessagesPage({ account }: { account: Account }) {
  usePageTitle('Messages');
  const identity = useIdentity();
  return (
    <div className="stack">
      <h1>Messages</h1>
      {identity.isError && <Alert>{errorMessage(identity.error)}</Alert>}
      {identity.data === null || (identity.data && !identity.data.communityName) ? (
        <EmptyState title="No messages yet">
          <p>{INTRO}</p>
          <p>You can write to people once they are in your Ring of Trust.</p>
        </EmptyState>
      ) : (
        identity.data && <Messaging accountName={account.name} identity={identity.data} />
      )}
    </div>
  );
}

function Messaging({ accountName, identity }: { accountName: string; identity: Identity }) {
  const [params] = useSearchParams();
  const config = useConfig();
  const { recipients, ring, trust } = useRecipients(accountName);
  const send = useSendMessage(accountName, identity, config.data);
  const messages = useStoredMessages(accountName);

  const senderKey = senderKeyFrom(recipients, ring.data, trust);

  if (ring.isPending || messages === null) return <p role="status">Loading your messages…</p>;
  return (
    <>
      {recipients.length === 0 ? (
        <EmptyState title="Nobody to write to yet">
          <p>{INTRO}</p>
          <p>
            Invite a friend from People: once they accept, or while the invite is pending, you can write here.
          </p>
        </EmptyState>
      ) : (
        <ComposeForm
          key={params.get('to') ?? ''}
          recipients={recipients}
          initialRecipient={params.get('to')}
          send={send}
        />
      )}
      {messages.length > 0 && (
        <MessageList
          accountName={accountName}
          identity={identity}
          messages={messages}
          senderKey={senderKey}
        />
      )}
    </>
  );
}
