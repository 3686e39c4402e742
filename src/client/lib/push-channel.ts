import type { QueryClient } from '@tanstack/react-query';
import { fromBase64Url } from '../../shared/crypto/encoding';
import { fingerprintSpki } from '../../shared/crypto/fingerprint';
import { verifyEnvelopeSignature } from '../../shared/crypto/envelope-v1';
import { importRsaPublicKeys } from '../../shared/crypto/webcrypto-keys';
import type { IncomingMessage } from '../../shared/protocol/messages';
import { serverEventSchema, type ServerEvent } from '../../shared/protocol/events';
import { apiRequest } from './api-client';
import { correspondentsOf } from './correspondents';
import { directoryKeyQueryOptions } from './directory-query';
import { IDENTITY_CHANGE_MUTATION_KEY, identityQueryOptions } from './identity-query';
import { historyReadsQueryOptions } from './history-reads';
import { addMessage, applyMarks, updateStatus } from './message-store';
import { notifyNewMessage } from './message-notifications';
import { raiseNews } from './notices';
import type { Outbox } from './outbox/outbox-runner';
import { savePushPosition, readPushPosition } from './push-position';
import { SESSION_QUERY_KEY } from './query-client';
import { ringQueryOptions } from './ring-query';

// The push channel (DESIGN §3): one EventSource per signed-in tab. The browser reconnects by itself and
// sends Last-Event-ID, and a page opened later starts from the position saved in IndexedDB, so the server
// replays what this browser missed; a message may therefore arrive twice, and is stored once (by its id)
// and shown once. Every (re)connection and keep-alive also tells the outbox
// to try what is waiting.

export interface PushChannelDeps {
  accountName: string;
  queryClient: QueryClient;
  outbox: Outbox;
  /** A notification about a message from `peer` was clicked: its conversation, or History if several wait. */
  openConversation: (peer: string) => void;
  now?: () => number;
}

/** Whether the sender's key, as the Ring, their invite or the directory gives it, signed the envelope. */
async function signedBySender(queryClient: QueryClient, incoming: IncomingMessage): Promise<boolean> {
  const ring = await queryClient.fetchQuery({ ...ringQueryOptions, staleTime: 5_000 });
  const from = incoming.envelope.from;
  const sender = correspondentsOf(ring).find((correspondent) => correspondent.communityName === from);
  if (!sender) return false;
  const publicKey =
    sender.publicKey ?? (await queryClient.fetchQuery(directoryKeyQueryOptions(from))).publicKey;
  const key = await senderKey(publicKey);
  if (key.fingerprint !== incoming.envelope.kid.from) return false;
  return verifyEnvelopeSignature(crypto, incoming.envelope, key.verifyKey);
}

const SENDER_KEYS_KEPT = 64;
const senderKeys = new Map<string, Promise<{ fingerprint: string; verifyKey: CryptoKey }>>();

/**
 * A sender's fingerprint and imported verify key, made once per public key rather than once per message:
 * both depend only on the key, and a conversation brings the same one again and again. Keyed by the
 * key itself, so a changed key is a new entry and never meets the old one's fingerprint.
 */
function senderKey(publicKey: string): Promise<{ fingerprint: string; verifyKey: CryptoKey }> {
  const known = senderKeys.get(publicKey);
  if (known) return known;
  const spki = fromBase64Url(publicKey);
  const made = Promise.all([fingerprintSpki(crypto, spki), importRsaPublicKeys(crypto, spki)]).then(
    ([fingerprint, { verifyKey }]) => ({ fingerprint, verifyKey }),
  );
  // A key that failed to import is not kept, so the next message tries again.
  made.catch(() => {
    if (senderKeys.get(publicKey) === made) senderKeys.delete(publicKey);
  });
  senderKeys.set(publicKey, made);
  if (senderKeys.size > SENDER_KEYS_KEPT) {
    const oldest = senderKeys.keys().next().value;
    if (oldest !== undefined) senderKeys.delete(oldest);
  }
  return made;
}

async function receive(deps: PushChannelDeps, incoming: IncomingMessage): Promise<void> {
  const { envelope } = incoming;
  const now = (deps.now ?? Date.now)();
  // Checked before it is kept, as DESIGN §4 asks; a message that fails is still kept (and shown as one
  // that could not be verified) so it is not sent again and again, but it is never shown as authentic.
  const verified = await signedBySender(deps.queryClient, incoming).catch(() => false);
  const isNew = await addMessage({
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
  // Once per message, in whichever tab stored it first.
  if (isNew) {
    raiseNews(`New message from ${envelope.from}.`);
    notifyNewMessage(envelope.from, envelope.id, () => deps.openConversation(envelope.from));
  }
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
    case 'message.marks':
      return applyMarks(
        deps.accountName,
        event.update.id,
        { read: event.update.read, starred: event.update.starred },
        (deps.now ?? Date.now)(),
      );
    case 'history.read':
      await deps.queryClient.invalidateQueries({ queryKey: historyReadsQueryOptions.queryKey });
      return;
    case 'ring.updated':
    case 'invite.received':
      await deps.queryClient.invalidateQueries({ queryKey: ringQueryOptions.queryKey });
      await deps.queryClient.invalidateQueries({ queryKey: ['pins'] });
      return;
    case 'identity.updated':
      if (deps.queryClient.isMutating({ mutationKey: IDENTITY_CHANGE_MUTATION_KEY }) > 0) return;
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
  'message.marks',
  'history.read',
];

/**
 * Waits before reopening a stream the browser gave up on. EventSource retries a dropped connection by
 * itself, but an answer other than 200 (a proxy's 502 while the server restarts, a 401) closes it for good.
 */
export const REOPEN_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const;

/** Opens the channel; the returned function closes it (sign-out, unmount). */
export function startPushChannel(deps: PushChannelDeps): () => void {
  let source: EventSource | null = null;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let refusals = 0;
  let stopped = false;
  // One at a time, in arrival order: a status must not overtake the message it is about, and the position
  // is saved only once everything before it has been handled.
  let queue = Promise.resolve();
  const after = (work: () => Promise<unknown>) => {
    queue = queue.then(work).then(
      () => undefined,
      () => undefined,
    );
  };
  const savePosition = (lastEventId: string) => () => savePushPosition(deps.accountName, lastEventId);

  const onEvent = (message: MessageEvent<string>) => {
    let event: ServerEvent;
    try {
      event = serverEventSchema.parse({ type: message.type, ...(JSON.parse(message.data) as object) });
    } catch {
      return;
    }
    after(() => handle(deps, event));
    after(savePosition(message.lastEventId));
  };

  const open = async () => {
    const position = await readPushPosition(deps.accountName).catch(() => null);
    if (stopped) return;
    const stream = new EventSource(position === null ? '/api/events' : `/api/events?lastEventId=${position}`);
    source = stream;
    for (const type of EVENT_TYPES) stream.addEventListener(type, onEvent);
    stream.addEventListener('keep-alive', (message: MessageEvent<string>) => {
      deps.outbox.trigger('keep-alive');
      // A keep-alive carries the stream's current id, which id-only frames may have moved.
      after(savePosition(message.lastEventId));
    });
    stream.addEventListener('open', () => {
      refusals = 0;
      deps.outbox.trigger('reconnected');
    });
    stream.addEventListener('error', () => {
      // Still CONNECTING: the browser is retrying by itself.
      if (stream.readyState !== EventSource.CLOSED || stopped) return;
      // Refused for good. If the session has ended, the page signs out and stops this channel; if not,
      // a new stream is opened after a pause that grows while the refusals go on.
      void deps.queryClient.invalidateQueries({ queryKey: SESSION_QUERY_KEY });
      const delay = REOPEN_DELAYS_MS[Math.min(refusals, REOPEN_DELAYS_MS.length - 1)];
      refusals += 1;
      reopenTimer = setTimeout(() => void open(), delay);
    });
  };
  void open();

  return () => {
    stopped = true;
    clearTimeout(reopenTimer);
    source?.close();
  };
}
