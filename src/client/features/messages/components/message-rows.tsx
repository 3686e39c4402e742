import type { UseMessageRows } from '../../../lib/message-rows';
import { senderKeyFrom, useRecipients } from '../api/recipients';
import { ClipboardNotice } from '../reveal/clipboard-notice';
import { MessageItem, useReveal } from './message-list';

/** Messages drawn for another view (History), exactly as Messages draws them. */
export const useMessageRows: UseMessageRows = (accountName, identity, messages) => {
  const { recipients, ring, trust } = useRecipients(accountName);
  const reveal = useReveal(accountName, messages);
  const senderKey = senderKeyFrom(recipients, ring.data, trust);
  return {
    allShown: reveal.allShown,
    toggleAll: reveal.toggleAll,
    notice: <ClipboardNotice />,
    row: (message, listItem) => (
      <MessageItem
        key={message.id}
        {...(listItem ? { listItem } : {})}
        reader={{ accountName, identity, senderKey }}
        message={message}
        shown={reveal.shown.has(message.id)}
        onToggle={() => reveal.toggle(message.id)}
      />
    ),
  };
};
