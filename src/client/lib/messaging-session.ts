import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router';
import { useConfig } from './config-query';
import { syncHistory } from './history-sync';
import { isUnread, listMessages, purgeExpired, updateStatus } from './message-store';
import { raiseNotice } from './notices';
import { closeOutbox, outboxConfigFrom, outboxFor } from './outbox/outbox';
import { conversationPath } from './paths';
import { startPushChannel } from './push-channel';

/**
 * While an account is signed in, in every tab: the outbox sends what waits (one tab at a time), its
 * outcomes become the messages' statuses, and the push channel brings messages, statuses and Ring changes.
 */
export function useMessagingSession(accountName: string): void {
  const queryClient = useQueryClient();
  const config = useConfig().data;
  // Through a ref: navigate may change with the route, and the channel must not restart on every page.
  const navigate = useRef(useNavigate());
  const currentNavigate = useNavigate();
  useEffect(() => {
    navigate.current = currentNavigate;
  }, [currentNavigate]);

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
    // The retention rule on this browser's copies: at once, then often enough that a copy outlives its
    // time by at most a minute (or half the period, when tests shorten it to seconds).
    const limits = { retentionMs: config.rules.retentionMs, historyMs: config.rules.historyMs };
    const purge = () => void purgeExpired(accountName, Date.now(), limits).catch(() => undefined);
    // What the account's other browsers sent, read and starred, then the retention rule over all of it.
    void syncHistory(accountName)
      .catch(() => undefined)
      .then(purge);
    const purgeTimer = window.setInterval(purge, Math.min(60_000, Math.max(1_000, limits.retentionMs / 2)));
    const closeChannel = startPushChannel({
      accountName,
      queryClient,
      outbox,
      // The PrivateGSM seed: with one message unread a notification opens it where it can be read;
      // with several, History, where the unread ones are in bold.
      openConversation: (peer) =>
        void listMessages(accountName).then((messages) =>
          navigate.current(messages.filter(isUnread).length > 1 ? '/history' : conversationPath(peer)),
        ),
    });
    return () => {
      window.clearInterval(purgeTimer);
      stopStatuses();
      closeChannel();
      void closeOutbox(accountName);
    };
    // The config query's data keeps its identity until it changes (structural sharing).
  }, [accountName, queryClient, config]);
}
