import { useMutation, useQueryClient } from '@tanstack/react-query';
import { fromBase64Url } from '../../../../shared/crypto/encoding';
import { fingerprintSpki } from '../../../../shared/crypto/fingerprint';
import { messageTextProblem } from '../../../../shared/message-text';
import type { ConfigResponse } from '../../../../shared/protocol/config';
import type { Identity } from '../../../../shared/protocol/identity';
import { cryptoWorker } from '../../../lib/crypto-worker';
import { directoryKeyQueryOptions } from '../../../lib/directory-query';
import { keysForUse } from '../../../lib/device-keys';
import { addMessage } from '../../../lib/message-store';
import { outboxConfigFrom, outboxFor } from '../../../lib/outbox/outbox';
import { checkMayWriteTo } from '../../../lib/pins/use-ring-trust';
import type { Recipient } from './recipients';

export interface SendInput {
  recipient: Recipient;
  text: string;
}

/**
 * Checks, seals in the worker, keeps the sealed message in this browser, and hands it to the outbox, which
 * sends it (and retries) from there. The text never leaves this function except inside the envelope.
 */
export function useSendMessage(accountName: string, identity: Identity, config: ConfigResponse | undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ recipient, text }: SendInput) => {
      const problem = messageTextProblem(text);
      if (problem) throw new Error(problem);
      if (!identity.communityName) throw new Error('Choose your community name in Settings first.');
      // A pending invitee's key may still be on its way from the directory: ask for it here.
      const publicKey =
        recipient.publicKey ??
        (await queryClient.fetchQuery(directoryKeyQueryOptions(recipient.communityName))).publicKey;
      let recipientPin: string | undefined;
      if (recipient.kind === 'member') {
        // Asked again at the moment of sending, from the stored pins, whatever the page showed before.
        const check = await checkMayWriteTo(accountName, recipient.communityName, publicKey);
        if (!check.ok) throw new Error(check.message);
        recipientPin = await fingerprintSpki(crypto, fromBase64Url(publicKey));
      }
      const keys = await keysForUse(queryClient, accountName, identity);
      const { envelope } = await cryptoWorker.call('sealEnvelope', {
        text,
        from: identity.communityName,
        to: recipient.communityName,
        ts: Date.now(),
        signKey: keys.signKey,
        senderSpki: identity.publicKey,
        recipientSpki: publicKey,
        ...(recipientPin ? { recipientPin } : {}),
      });
      const now = Date.now();
      await addMessage({
        accountName,
        id: envelope.id,
        direction: 'sent',
        peer: recipient.communityName,
        envelope,
        sentAt: envelope.ts,
        storedAt: now,
        status: 'sending',
        statusReason: null,
        statusAt: now,
      });
      await outboxFor(accountName, outboxConfigFrom(config)).enqueue(envelope);
      return envelope;
    },
  });
}
