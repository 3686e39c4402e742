import type { QueryClient } from '@tanstack/react-query';
import { fromBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { verifyEnvelopeSignature } from '../../shared/crypto/envelope-v1';
import { importRsaPublicKeys } from '../../shared/crypto/webcrypto-keys';
import type { IncomingMessage } from '../../shared/protocol/messages';
import { serverEventSchema, type ServerEvent } from '../../shared/protocol/events';
import { apiRequest } from './api-client';
import { directoryKeyQueryOptions } from './directory-query';
import { identityQueryOptions } from './identity-query';
import { addMessage, updateStatus } from './message-store';
import type { Outbox } from './outbox/outbox-runner';
import { ringQueryOptions } from './ring-query';

// The push channel (DESIGN §3): one EventSource per signed-in tab. The browser reconnects by itself and
// sends Last-Event-ID, so the server replays what this tab missed; a message may therefore arrive twice,
// and is stored once (by its id) and shown once. Every (re)connection and keep-alive also tells the outbox
// to try what is waiting.

export interface PushChannelDeps {
  accountName: string;
  queryClient: QueryClient;
  outbox: Outbox;
  now?: () => number;
}

/** Whether the sender's key, as the Ring or an invite gives it, signed the envelope. */
async function signedBySender(queryClient: QueryClient, incoming: IncomingMessage): Promise<boolean> {
  const ring = await queryClient.fetchQuery({ ...ringQueryOptions, staleTime: 5_000 });
  const from = incoming.envelope.from;
  const invitedByMe = ring.sent.some((invite) => invite.communityName === from);
  const publicKey =
    ring.members.find((member) => member.communityName === from)?.publicKey ??
    ring.received.find((invite) => invite.communityName === from)?.publicKey ??
    (invitedByMe ? (await queryClient.fetchQuery(directoryKeyQueryOptions(from))).publicKey : undefined);
  if (!publicKey) return false;
  const spki = fromBase64Url(publicKey);
  if ((await fingerprintSpki(crypto, spki)) !== incoming.envelope.kid.from) return false;
  const { verifyKey } = await importRsaPublicKeys(crypto, spki);
  return verifyEnvelopeSignature(crypto, incoming.envelope, verifyKey);
}

async function receive(deps: PushChannelDeps, incoming: IncomingMessage): Promise<void> {
  const { envelope } = incoming;
  const now = (deps.now ?? Date.now)();
  // Checked before it is kept, as DESIGN §4 asks; a message that fails is still kept (and shown as one
  // that could not be verified) so it is not sent again and again, but it is never shown as authentic.
  const verified = await signedBySender(deps.queryClient, incoming).catch(() => false);
  await addMessage({
    accountName: deps.accountName,
    id: envelope.id,
    direction: 'received',
    peer: envelope.from,
    envelope,
    sentAt: envelope.ts,
    storedAt: now,
    status: 'delivered',
    statusReason: verified ? null : 'signature not verified on arrival',
    statusAt: now,
  });
  // Only once it is stored: "Delivered" means kept in this browser.
  await apiRequest(
    `/api/messages/${encodeURIComponent(envelope.from)}/${encodeURIComponent(envelope.id)}/ack`,
    null,
    { method: 'POST' },
  );
}

async function handle(deps: PushChannelDeps, event: ServerEvent): Promise<void> {
  switch (event.type) {
    case 'message':
      return receive(deps, event.message);
    case 'message.status':
      return updateStatus(
        deps.accountName,
        event.update.id,
        event.update.status,
        event.update.reason,
        event.update.at,
      );
    case 'ring.updated':
    case 'invite.received':
      await deps.queryClient.invalidateQueries({ queryKey: ringQueryOptions.queryKey });
      await deps.queryClient.invalidateQueries({ queryKey: ['pins'] });
      return;
    case 'identity.updated':
      await deps.queryClient.invalidateQueries({ queryKey: identityQueryOptions.queryKey });
      return;
  }
}

const EVENT_TYPES: readonly ServerEvent['type'][] = [
  'identity.updated',
  'ring.updated',
  'invite.received',
  'message',
  'message.status',
];

/** Opens the channel; the returned function closes it (sign-out, unmount). */
export function startPushChannel(deps: PushChannelDeps): () => void {
  const source = new EventSource('/api/events');
  // One at a time, in arrival order: a status must not overtake the message it is about.
  let queue = Promise.resolve();
  const onEvent = (message: MessageEvent<string>) => {
    let event: ServerEvent;
    try {
      event = serverEventSchema.parse({ type: message.type, ...(JSON.parse(message.data) as object) });
    } catch {
      return;
    }
    queue = queue.then(() => handle(deps, event)).catch(() => undefined);
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
  source.addEventListener('keep-alive', () => deps.outbox.trigger('keep-alive'));
  source.addEventListener('open', () => deps.outbox.trigger('reconnected'));
  return () => source.close();
}
