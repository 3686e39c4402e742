import type { ReactNode } from 'react';
import type { Identity } from '../../shared/protocol/identity';
import type { MessageRecord } from './message-record';

/**
 * How a view that is not Messages (History) draws messages, as the messages feature draws them: masked
 * until shown, Show all, hidden again when the person looks away, Copy. The app hands the messages
 * feature's implementation to History, since features do not import each other.
 */
export interface MessageRows {
  allShown: boolean;
  toggleAll: () => void;
  /** What became of the last copy; once per view. */
  notice: ReactNode;
  /** One message's row; `listItem` carries a virtualized list's position and numbering. */
  row: (message: MessageRecord, listItem?: MessageRowListItem) => ReactNode;
}

export interface MessageRowListItem {
  ref: (element: HTMLLIElement | null) => void;
  'data-index': number;
  'aria-setsize': number;
  'aria-posinset': number;
  className: string;
  style: { position: 'absolute'; top: number; left: number; width: string; transform: string };
}

export type UseMessageRows = (
  accountName: string,
  identity: Identity,
  messages: readonly MessageRecord[],
) => MessageRows;
