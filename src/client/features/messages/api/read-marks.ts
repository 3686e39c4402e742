import { sendReadMark } from '../../../lib/history-sync';
import { markRead, type MessageRecord } from '../../../lib/message-store';

/**
 * Opening a received message marks it read here at once, then on the server, which tells the account's
 * other browsers. A mark that cannot reach the server now stays local; the next History sync leaves it.
 */
export async function markMessageRead(
  accountName: string,
  message: MessageRecord,
  at: number,
): Promise<void> {
  if (!(await markRead(accountName, message.id, at))) return;
  await sendReadMark(message.peer, message.id).catch(() => undefined);
}
