import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, useSyncExternalStore } from 'react';
import { rules } from '../../../../shared/rules';
import { useConfig } from '../../../lib/config-query';
import { historyReadsQueryOptions } from '../../../lib/history-reads';
import { pinsSnapshot, subscribePins } from '../../../lib/pins/pin-keeper';
import { useRing } from '../../../lib/ring-query';
import type { MessageRecord } from '../../../lib/message-record';
import { useStoredMessages } from '../../../lib/stored-messages';
import { historyEvents, type HistoryEvent } from './history-events';

const NO_READS: ReadonlySet<string> = new Set();
const NO_MESSAGES: readonly MessageRecord[] = [];

/** History's events for the account, from this browser's messages, the Ring, the pins and read marks. */
export function useHistoryEvents(accountName: string): { events: HistoryEvent[]; loading: boolean } {
  const config = useConfig();
  const ring = useRing();
  const stored = useStoredMessages(accountName);
  const reads = useQuery(historyReadsQueryOptions);
  const pins = useSyncExternalStore(
    (listener) => subscribePins(accountName, listener),
    () => pinsSnapshot(accountName),
  );
  // Read once per mount: the window moves on slowly next to a page's life.
  const [now] = useState(() => Date.now());
  const windowMs = config.data?.rules.historyMs ?? rules.historyMs;
  const pinList = pins.record?.pins ?? null;
  // The app shell counts unread events on every render of every page: build them only when an input moved.
  const events = useMemo(
    () =>
      historyEvents({
        messages: stored ?? NO_MESSAGES,
        ring: ring.data,
        pins: pinList,
        now,
        windowMs,
        read: reads.data ?? NO_READS,
      }),
    [stored, ring.data, pinList, now, windowMs, reads.data],
  );
  return { events, loading: stored === null || ring.isPending };
}
