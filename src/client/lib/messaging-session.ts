import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useConfig } from './config-query';
import { updateStatus } from './message-store';
import { raiseNotice } from './notices';
import { closeOutbox, outboxConfigFrom, outboxFor } from './outbox/outbox';
import { startPushChannel } from './push-channel';

/**
 * While an account is signed in, in every tab: the outbox sends what waits (one tab at a time), its
 * outcomes become the messages' statuses, and the push channel brings messages, statuses and Ring changes.
 */
export function useMessagingSession(accountName: string): void {
  const queryClient = useQueryClient();
  const config = useConfig().data;

  useEffect(() => {
    if (!config) return;
    const outbox = outboxFor(accountName, outboxConfigFrom(config));
    const stopStatuses = outbox.onStatus((id, status, reason) => {
      if (status === 'sending') return;
      void updateStatus(accountName, id, status, reason, Date.now());
      // Every tab hears the outcome; the one that sends says it, so the notice appears once.
      if (status === 'error' && outbox.isSender()) {
        raiseNotice(`Send error: a message was ${reason ?? 'not sent'}. It is marked Error in Messages.`);
      }
    });
    const closeChannel = startPushChannel({ accountName, queryClient, outbox });
    return () => {
      stopStatuses();
      closeChannel();
      void closeOutbox(accountName);
    };
    // The config query's data keeps its identity until it changes (structural sharing).
  }, [accountName, queryClient, config]);
}
