import { useQuery } from '@tanstack/react-query';
import { useState, useSyncExternalStore } from 'react';
import { rules } from '../../../../shared/rules';
import { useConfig } from '../../../lib/config-query';
import { historyReadsQueryOptions } from '../../../lib/history-reads';
import { pinsSnapshot, subscribePins } from '../../../lib/pins/pin-keeper';
import { useRing } from '../../../lib/ring-query';
import { useStoredMessages } from '../../../lib/stored-messages';
import { historyEvents, type HistoryEvent } from './history-events';

const NO_READS: ReadonlySet<string> = new Set();

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
  const events = historyEvents({
    messages: stored ?? [],
    ring: ring.data,
    pins: pins.record?.pins ?? null,
    now,
    windowMs: config.data?.rules.historyMs ?? rules.historyMs,
    read: reads.data ?? NO_READS,
  });
  return { events, loading: stored === null || ring.isPending };
}
