import { useQuery, useQueryClient } from '@tanstack/react-query';
import { fromBase64Url } from '../../../../shared/crypto/encoding';
import { fingerprintSpki } from '../../../../shared/crypto/fingerprint';
import type { Identity } from '../../../../shared/protocol/identity';
import { CryptoClientError, type CryptoClientErrorCode } from '../../../crypto/crypto-client';
import { cryptoWorker } from '../../../lib/crypto-worker';
import { keysForUse, KeysLockedError } from '../../../lib/device-keys';
import type { MessageRecord } from '../../../lib/message-store';

/** The key a received message must be signed with: a member's pinned one, or a pending inviter's. */
export interface SenderKey {
  /** SubjectPublicKeyInfo DER, base64url, as served. */
  publicKey: string;
  /** The fingerprint trusted for them: the pin for a member; null for a pending person (the served key's own). */
  fingerprint: string | null;
  /** True for someone not (yet) in the Ring: the text is shown, marked as not verified. */
  unverified: boolean;
}

export interface OpenedText {
  text: string;
  unverifiedSender: boolean;
}

/**
 * Opens one message in the worker when it is shown. Nothing is cached after it is hidden again (gcTime 0),
 * so the text is not kept in memory for longer than it is on screen.
 */
export function useOpenedMessage(
  accountName: string,
  identity: Identity,
  message: MessageRecord,
  sender: SenderKey | null,
) {
  const queryClient = useQueryClient();
  return useQuery({
    // The sender's key is part of the key: a message shown before the Ring had loaded it is opened again
    // once it arrives, instead of keeping the refusal made without it.
    queryKey: [
      'opened-message',
      accountName,
      message.id,
      sender?.publicKey ?? null,
      sender?.fingerprint ?? null,
    ],
    gcTime: 0,
    staleTime: Infinity,
    retry: false,
    queryFn: async (): Promise<OpenedText> => {
      const envelope = message.envelope;
      if (!envelope) throw new Error('The content of this message has been destroyed.');
      const keys = await keysForUse(queryClient, accountName, identity);
      const own = { name: identity.communityName ?? '', fingerprint: identity.fingerprint };
      if (message.direction === 'sent') {
        const opened = await cryptoWorker.call('openEnvelope', {
          envelope,
          decryptKey: keys.decryptKey,
          as: 'sender',
          senderSpki: identity.publicKey,
          expected: {
            from: own.name,
            to: message.peer,
            kidFrom: own.fingerprint,
            kidTo: envelope.kid.to,
          },
        });
        return { text: opened.text, unverifiedSender: false };
      }
      if (!sender) throw new Error('Ringpost has no key it trusts for the sender.');
      const kidFrom = sender.fingerprint ?? (await fingerprintSpki(crypto, fromBase64Url(sender.publicKey)));
      const opened = await cryptoWorker.call('openEnvelope', {
        envelope,
        decryptKey: keys.decryptKey,
        as: 'recipient',
        senderSpki: sender.publicKey,
        expected: { from: message.peer, to: own.name, kidFrom, kidTo: own.fingerprint },
      });
      return { text: opened.text, unverifiedSender: sender.unverified };
    },
  });
}

/**
 * What the page says when a message does not open. Only a refusal of the message itself is "could not be
 * verified"; locked keys or a worker that stopped are this browser's state, and saying the message is
 * forged would be false.
 */
export function openFailureWords(error: unknown): string {
  if (error instanceof KeysLockedError) return error.message;
  if (error instanceof CryptoClientError && TRANSIENT_CODES.has(error.code)) {
    return 'This message could not be opened just now. Hide it and show it again.';
  }
  return 'This message could not be verified.';
}

const TRANSIENT_CODES: ReadonlySet<CryptoClientErrorCode> = new Set([
  'worker_failed',
  'terminated',
  'internal',
]);
