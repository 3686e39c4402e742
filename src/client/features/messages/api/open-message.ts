import { useQuery } from '@tanstack/react-query';
import { fromBase64Url } from '../../../../shared/crypto/encoding';
import { fingerprintSpki } from '../../../../shared/crypto/fingerprint';
import type { Identity } from '../../../../shared/protocol/identity';
import { cryptoWorker } from '../../../lib/crypto-worker';
import { loadDeviceKeys } from '../../../lib/device-keys';
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
  return useQuery({
    queryKey: ['opened-message', accountName, message.id, sender?.fingerprint ?? null],
    gcTime: 0,
    staleTime: Infinity,
    retry: false,
    queryFn: async (): Promise<OpenedText> => {
      const keys = await loadDeviceKeys(accountName);
      if (!keys) throw new Error('Your keys are not in this browser yet.');
      const own = { name: identity.communityName ?? '', fingerprint: identity.fingerprint };
      if (message.direction === 'sent') {
        const opened = await cryptoWorker.call('openEnvelope', {
          envelope: message.envelope,
          decryptKey: keys.decryptKey,
          as: 'sender',
          senderSpki: identity.publicKey,
          expected: {
            from: own.name,
            to: message.peer,
            kidFrom: own.fingerprint,
            kidTo: message.envelope.kid.to,
          },
        });
        return { text: opened.text, unverifiedSender: false };
      }
      if (!sender) throw new Error('Ringpost has no key it trusts for the sender.');
      const kidFrom = sender.fingerprint ?? (await fingerprintSpki(crypto, fromBase64Url(sender.publicKey)));
      const opened = await cryptoWorker.call('openEnvelope', {
        envelope: message.envelope,
        decryptKey: keys.decryptKey,
        as: 'recipient',
        senderSpki: sender.publicKey,
        expected: { from: message.peer, to: own.name, kidFrom, kidTo: own.fingerprint },
      });
      return { text: opened.text, unverifiedSender: sender.unverified };
    },
  });
}
