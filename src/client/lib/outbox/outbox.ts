import type { ConfigResponse } from '../../../shared/protocol/config';
import { defaultOutboxConfig, type OutboxConfig } from './outbox-machine';
import { sendEnvelope, startOutbox, type Outbox } from './outbox-runner';
import { indexedDbOutboxStore } from './outbox-store';
import { browserOutboxChannel, browserSendLock, outboxChannelName } from './send-lock';

// The outbox as the app wires it: IndexedDB, POST /api/messages, the Web Lock and BroadcastChannel of the
// account, and the browser's 'online' event. One per signed-in account and tab, so the composer and the
// push channel (which calls trigger('reconnected' | 'keep-alive')) reach the same one.

export function outboxConfigFrom(config: ConfigResponse | undefined): OutboxConfig {
  if (!config) return defaultOutboxConfig;
  const { sendTries, sendTimeoutMs, outboxExpiryMs } = config.rules;
  return { sendTries, sendTimeoutMs, outboxExpiryMs };
}

const open = new Map<string, Outbox>();

/** The account's outbox in this tab, started on first use with the values GET /api/config gave. */
export function outboxFor(accountName: string, config: OutboxConfig = defaultOutboxConfig): Outbox {
  let outbox = open.get(accountName);
  if (!outbox) {
    outbox = startOutbox({
      accountName,
      config,
      store: indexedDbOutboxStore(accountName),
      send: sendEnvelope,
      lock: browserSendLock(),
      channel: browserOutboxChannel(outboxChannelName(accountName)),
      onOnline(listener) {
        window.addEventListener('online', listener);
        return () => window.removeEventListener('online', listener);
      },
    });
    open.set(accountName, outbox);
  }
  return outbox;
}

/** On sign-out: this tab stops sending for the account; the queue stays for when it signs in again. */
export async function closeOutbox(accountName: string): Promise<void> {
  const outbox = open.get(accountName);
  open.delete(accountName);
  await outbox?.close();
}
