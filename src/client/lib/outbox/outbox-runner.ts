import {
  sendMessageResponseSchema,
  type EnvelopeV1,
  type SendMessageRequest,
} from '../../../shared/protocol/messages';
import { apiRequest, ApiRequestError, errorMessage } from '../api-client';
import {
  classifyFailure,
  defaultOutboxConfig,
  isSettled,
  newOutboxItem,
  next,
  statusOf,
  wakeAt,
  type OutboxConfig,
  type OutboxEffect,
  type OutboxEvent,
  type OutboxItem,
  type OutboxStatus,
  type OutboxTrigger,
  type SendFailure,
} from './outbox-machine';

// Drives outbox-machine.ts in a tab: it performs the machine's effects (send with a timeout, abort, report),
// sets its timers, feeds it triggers and keeps IndexedDB in step. Of the account's tabs only the one holding
// the send lock runs the machine; the others forward new messages and triggers to it and show what it
// broadcasts. When the sender closes, the next tab in line takes the lock and resumes from IndexedDB.
// Everything it touches comes in as a parameter, so Node tests drive it with a manual clock.

export interface OutboxStore {
  /** The account's queued items, oldest first. */
  list(): Promise<OutboxItem[]>;
  get(id: string): Promise<OutboxItem | null>;
  /** Adds a new item; false (and nothing written) if the id is already there. */
  add(item: OutboxItem): Promise<boolean>;
  put(item: OutboxItem): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface Clock {
  now(): number;
  /** Calls back after `delayMs`; the returned function cancels. */
  schedule(delayMs: number, callback: () => void): () => void;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, callback) {
    // Browsers fire a longer timeout at once; firing early is harmless, the machine just looks again.
    const timer = setTimeout(callback, Math.min(delayMs, MAX_TIMEOUT_MS));
    return () => clearTimeout(timer);
  },
};

export interface SendReceipt {
  acceptedAt: number;
}

/** One try: resolves on a 202, rejects otherwise (an ApiRequestError, or anything once `signal` aborts). */
export type SendEnvelope = (envelope: EnvelopeV1, signal: AbortSignal) => Promise<SendReceipt>;

export interface SendLock {
  /** Asks for the lock `name`; `onAcquired` runs once this tab holds it. The result gives it up. */
  request(name: string, onAcquired: () => void): () => void;
}

export interface OutboxChannel {
  post(message: OutboxBroadcast): void;
  /** Messages from the account's other tabs, unchecked: another tab may run another version. */
  listen(listener: (message: unknown) => void): () => void;
  close(): void;
}

/** An item as the page shows it: everything but the envelope, with its status. */
export type OutboxEntry = Omit<OutboxItem, 'envelope'> & { status: OutboxStatus };

export type OutboxBroadcast =
  /** A tab that does not send put a new item in IndexedDB. */
  | { type: 'added'; id: string }
  | { type: 'trigger'; kind: OutboxTrigger }
  /** The sender's item changed; `settled` entries have left the queue. */
  | { type: 'entry'; entry: OutboxEntry };

export type StatusListener = (id: string, status: OutboxStatus, reason: string | null) => void;

export interface Outbox {
  /** Seals nothing: `envelope` is already sealed. Queues it and, as the user just sent, triggers the rest. */
  enqueue(envelope: EnvelopeV1): Promise<OutboxEntry>;
  /** For the push channel ('reconnected', 'keep-alive'), the browser ('online') and the composer. */
  trigger(kind: OutboxTrigger): void;
  /** Queued items and those settled in this session, oldest first; a new array after every change. */
  snapshot(): readonly OutboxEntry[];
  subscribe(listener: () => void): () => void;
  /** Called in every tab when an item settles: 'enqueued', or 'error' with the reason to show. */
  onStatus(listener: StatusListener): () => void;
  /** Whether this tab sends (holds the lock). Raise the "Send error" notification only where true. */
  isSender(): boolean;
  /** Resolves when this tab's queued reads and writes are done (tests; before closing a database). */
  idle(): Promise<void>;
  /** Stops sending here and gives the lock to the next tab; IndexedDB keeps the queue. */
  close(): Promise<void>;
}

export interface OutboxDeps {
  accountName: string;
  store: OutboxStore;
  send: SendEnvelope;
  lock: SendLock;
  channel: OutboxChannel;
  clock?: Clock;
  config?: OutboxConfig;
  /** Subscribes to the browser coming back online; returns the unsubscribe. */
  onOnline?: (listener: () => void) => () => void;
  /** A read or write of IndexedDB failed; the queue in memory carries on. */
  onError?: (error: unknown) => void;
}

/** POST /api/messages: 202 with the stored message, or the first answer again for a repeated id. */
export const sendEnvelope: SendEnvelope = async (envelope, signal) => {
  const body: SendMessageRequest = { envelope };
  const { message } = await apiRequest('/api/messages', sendMessageResponseSchema, {
    method: 'POST',
    body,
    signal,
  });
  if (message.id !== envelope.id) {
    // Not an answer about this envelope, so not proof it was stored: try again.
    throw new ApiRequestError(202, 'bad_response', 'Ringpost answered about another message.');
  }
  return { acceptedAt: message.acceptedAt };
};

export function failureOf(error: unknown): SendFailure {
  if (error instanceof ApiRequestError) {
    return classifyFailure({
      status: error.status,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
    });
  }
  return { kind: 'transient', message: errorMessage(error) };
}

export function entryOf(item: OutboxItem): OutboxEntry {
  // Field by field: the envelope stays out of broadcasts and the page, whatever is added to the item later.
  return {
    id: item.id,
    accountName: item.accountName,
    to: item.to,
    createdAt: item.createdAt,
    attempts: item.attempts,
    state: item.state,
    nextAttemptAt: item.nextAttemptAt,
    attemptStartedAt: item.attemptStartedAt,
    lastError: item.lastError,
    errorReason: item.errorReason,
    status: statusOf(item.state),
  };
}

const TRIGGERS: readonly string[] = ['reconnected', 'keep-alive', 'online', 'user-sent'];

function parseBroadcast(message: unknown): OutboxBroadcast | null {
  if (typeof message !== 'object' || message === null || !('type' in message)) return null;
  const data = message as Record<string, unknown>;
  if (data.type === 'added' && typeof data.id === 'string') return { type: 'added', id: data.id };
  if (data.type === 'trigger' && typeof data.kind === 'string' && TRIGGERS.includes(data.kind)) {
    return { type: 'trigger', kind: data.kind as OutboxTrigger };
  }
  const entry = data.entry as Partial<OutboxEntry> | undefined;
  if (data.type === 'entry' && typeof entry?.id === 'string' && typeof entry.status === 'string') {
    return { type: 'entry', entry: entry as OutboxEntry };
  }
  return null;
}

function byAge(a: OutboxEntry, b: OutboxEntry): number {
  return a.createdAt - b.createdAt;
}

/** Starts the account's outbox in this tab: it asks for the send lock at once and shows the queue. */
export function startOutbox(deps: OutboxDeps): Outbox {
  const { accountName, store, send, lock, channel } = deps;
  const clock = deps.clock ?? systemClock;
  const config = deps.config ?? defaultOutboxConfig;
  const onError = deps.onError ?? ((error: unknown) => console.error('Outbox storage failed', error));

  let sender = false;
  let closed = false;
  /** The queue this tab runs, while it is the sender. */
  const items = new Map<string, OutboxItem>();
  /** What every tab shows. */
  const entries = new Map<string, OutboxEntry>();
  const inFlight = new Map<string, { startedAt: number; controller: AbortController }>();
  const timers = new Map<string, () => void>();
  const listeners = new Set<() => void>();
  const statusListeners = new Set<StatusListener>();
  const work = new Set<Promise<unknown>>();
  let writes: Promise<void> = Promise.resolve();
  let snapshot: readonly OutboxEntry[] = [];

  function track(job: Promise<unknown>): void {
    const settled = job.catch(onError).finally(() => work.delete(settled));
    work.add(settled);
  }

  /** Writes run one after another in the order the machine made the changes, so the last one wins. */
  function write(job: () => Promise<void>): void {
    writes = writes.then(job).catch(onError);
  }

  function show(entry: OutboxEntry): void {
    const previous = entries.get(entry.id);
    entries.set(entry.id, entry);
    snapshot = [...entries.values()].sort(byAge);
    for (const listener of listeners) listener();
    if (isSettled(entry) && !(previous && isSettled(previous))) {
      for (const listener of statusListeners) listener(entry.id, entry.status, entry.errorReason);
    }
  }

  function schedule(item: OutboxItem): void {
    timers.get(item.id)?.();
    timers.delete(item.id);
    const at = wakeAt(item, config);
    if (at === null || closed) return;
    timers.set(
      item.id,
      clock.schedule(Math.max(0, at - clock.now()), () => {
        timers.delete(item.id);
        dispatch(item.id, { type: 'tick' });
      }),
    );
  }

  function stopTry(id: string): void {
    inFlight.get(id)?.controller.abort();
    inFlight.delete(id);
  }

  function perform(item: OutboxItem, effect: OutboxEffect): void {
    switch (effect.type) {
      case 'send': {
        const controller = new AbortController();
        const { startedAt } = effect;
        inFlight.set(item.id, { startedAt, controller });
        // The machine's timer ends the try at its timeout: no timer of our own here.
        send(item.envelope, controller.signal).then(
          ({ acceptedAt }) => {
            if (inFlight.get(item.id)?.startedAt === startedAt) inFlight.delete(item.id);
            dispatch(item.id, { type: 'accepted', acceptedAt });
          },
          (error: unknown) => {
            if (controller.signal.aborted) return;
            inFlight.delete(item.id);
            dispatch(item.id, { type: 'failed', startedAt, failure: failureOf(error) });
          },
        );
        return;
      }
      case 'abort':
        if (inFlight.get(item.id)?.startedAt === effect.startedAt) stopTry(item.id);
        return;
      case 'settled':
        // A try still in flight (an older one answered first) is of no use now.
        stopTry(item.id);
        return;
    }
  }

  function dispatch(id: string, event: OutboxEvent): void {
    const item = items.get(id);
    if (!item || closed || !sender) return;
    const result = next(item, event, clock.now(), config);
    const changed = result.item;
    if (changed !== item) {
      if (isSettled(changed)) {
        items.delete(id);
        write(() => store.delete(id));
      } else {
        items.set(id, changed);
        write(() => store.put(changed));
      }
      const entry = entryOf(changed);
      show(entry);
      channel.post({ type: 'entry', entry });
    }
    for (const effect of result.effects) perform(changed, effect);
    schedule(changed);
  }

  /** Takes an item from IndexedDB into this tab's queue, once. */
  function adopt(item: OutboxItem): void {
    if (!sender || closed || items.has(item.id) || isSettled(item)) return;
    items.set(item.id, item);
    show(entryOf(item));
    dispatch(item.id, { type: 'resume' });
  }

  async function becomeSender(): Promise<void> {
    if (closed) return;
    sender = true;
    for (const item of await store.list()) adopt(item);
  }

  function receive(raw: unknown): void {
    const message = parseBroadcast(raw);
    if (!message || closed) return;
    switch (message.type) {
      case 'added':
        if (sender && !items.has(message.id)) {
          track(
            store.get(message.id).then((item) => {
              if (item) adopt(item);
            }),
          );
        }
        return;
      case 'trigger':
        if (sender) triggerHere(message.kind);
        return;
      case 'entry':
        // Without Web Locks every tab sends; each shows its own items as it runs them.
        if (!items.has(message.entry.id)) show(message.entry);
        return;
    }
  }

  function triggerHere(kind: OutboxTrigger): void {
    for (const id of [...items.keys()]) dispatch(id, { type: 'trigger', kind });
  }

  const stops: (() => void)[] = [channel.listen(receive)];
  if (deps.onOnline) stops.push(deps.onOnline(() => outbox.trigger('online')));
  // Show the queue before (or without) the lock; the sender's broadcasts keep it current after that.
  track(
    store.list().then((stored) => {
      for (const item of stored) if (!entries.has(item.id)) show(entryOf(item));
    }),
  );
  const giveUpLock = lock.request(`ringpost-outbox-${accountName}`, () => track(becomeSender()));

  const outbox: Outbox = {
    async enqueue(envelope) {
      if (closed) throw new Error('This outbox is closed; open the account’s outbox again.');
      const item = newOutboxItem(accountName, envelope, clock.now());
      const added = await store.add(item);
      const entry = entryOf(item);
      if (added) {
        show(entry);
        if (sender) adopt(item);
        else channel.post({ type: 'added', id: item.id });
      }
      // The user just sent: messages waiting for a sign that the server is back get another round.
      outbox.trigger('user-sent');
      return entries.get(item.id) ?? entry;
    },

    trigger(kind) {
      if (closed) return;
      if (sender) triggerHere(kind);
      else channel.post({ type: 'trigger', kind });
    },

    snapshot: () => snapshot,

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },

    isSender: () => sender && !closed,

    async idle() {
      while (work.size > 0) await Promise.all([...work]);
      await writes;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const stop of stops) stop();
      for (const cancel of timers.values()) cancel();
      timers.clear();
      for (const id of [...inFlight.keys()]) stopTry(id);
      await outbox.idle();
      // Only now: the next sender must read what this one wrote last, never have it land after its own.
      giveUpLock();
      sender = false;
      channel.close();
    },
  };
  return outbox;
}
