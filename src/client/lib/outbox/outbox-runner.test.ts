import { afterEach, describe, expect, it } from 'vitest';
import type { EnvelopeV1 } from '../../../shared/protocol/messages';
import { HOUR, SECOND } from '../../../shared/rules';
import { ApiRequestError } from '../api-client';
import type { OutboxConfig, OutboxItem } from './outbox-machine';
import {
  startOutbox,
  type Clock,
  type Outbox,
  type OutboxBroadcast,
  type OutboxChannel,
  type OutboxStore,
  type SendEnvelope,
  type SendLock,
} from './outbox-runner';

const T0 = 1_700_000_000_000;

function envelope(n: number, to = 'bob'): EnvelopeV1 {
  return {
    v: 1,
    id: `msg${String(n).padStart(19, '0')}`,
    from: 'alice',
    to,
    ts: T0,
    kid: { from: 'aa'.repeat(32), to: 'bb'.repeat(32) },
    iv: 'A'.repeat(16),
    ct: 'A'.repeat(1_387),
    wk: { to: 'A'.repeat(171), from: 'A'.repeat(171) },
    sig: 'A'.repeat(171),
  };
}

/** One task later, as a BroadcastChannel message arrives. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Lets promises, fake broadcasts and fake IndexedDB settle: everything here resolves within a task. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await macrotask();
}

/** Time moves only when the test says so; timers due on the way fire in order, each settling. */
class ManualClock implements Clock {
  private timers: { at: number; seq: number; callback: () => void }[] = [];
  private seq = 0;
  constructor(public current = T0) {}

  now = () => this.current;

  schedule = (delayMs: number, callback: () => void) => {
    const timer = { at: this.current + delayMs, seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  };

  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flush();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.callback();
      await flush();
    }
    this.current = target;
    await flush();
  }
}

type Mode = 'up' | 'down' | 'silent' | 'stores-silently' | { status: number; retryAfter?: number };

/**
 * POST /api/messages in memory, with the server's real rule: an envelope id is stored once, and a repeat
 * gets the first answer. `mode` is the fault of the moment; 'silent' never answers (until aborted), and
 * 'stores-silently' stores the envelope but loses the answer on the way back.
 */
class FakeServer {
  mode: Mode = 'up';
  readonly stored = new Map<string, { envelope: EnvelopeV1; acceptedAt: number }>();
  posts: string[] = [];
  aborted = 0;
  constructor(private readonly clock: ManualClock) {}

  send: SendEnvelope = (envelope, signal) => {
    this.posts.push(envelope.id);
    const mode = this.mode;
    const abortable = () =>
      new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => {
          this.aborted++;
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    if (mode === 'down') return Promise.reject(new ApiRequestError(0, 'network', 'Cannot reach Ringpost.'));
    if (mode === 'silent') return abortable();
    const first = this.stored.get(envelope.id) ?? { envelope, acceptedAt: this.clock.now() };
    if (mode === 'up' || mode === 'stores-silently') this.stored.set(envelope.id, first);
    if (mode === 'stores-silently') return abortable();
    if (mode === 'up') return Promise.resolve({ acceptedAt: first.acceptedAt });
    return Promise.reject(
      new ApiRequestError(mode.status, 'invalid_request', `Refused with ${mode.status}.`, mode.retryAfter),
    );
  };
}

/** IndexedDB's behaviour that matters here: records are copies, keyed by id, found by account. */
class MemoryStore {
  readonly records = new Map<string, OutboxItem>();
  for(accountName: string): OutboxStore {
    const mine = () => [...this.records.values()].filter((item) => item.accountName === accountName);
    return {
      list: () => Promise.resolve(structuredClone(mine()).sort((a, b) => a.createdAt - b.createdAt)),
      get: (id) => Promise.resolve(structuredClone(mine().find((item) => item.id === id) ?? null)),
      add: (item) => {
        if (this.records.has(item.id)) return Promise.resolve(false);
        this.records.set(item.id, structuredClone(item));
        return Promise.resolve(true);
      },
      put: (item) => {
        this.records.set(item.id, structuredClone(item));
        return Promise.resolve();
      },
      delete: (id) => {
        this.records.delete(id);
        return Promise.resolve();
      },
    };
  }
}

/** Web Locks' exclusive mode: first come, first served; the next waiter gets it on release. */
class FakeLocks implements SendLock {
  private readonly queues = new Map<string, { onAcquired: () => void }[]>();
  request(name: string, onAcquired: () => void): () => void {
    const queue = this.queues.get(name) ?? [];
    this.queues.set(name, queue);
    const waiter = { onAcquired };
    queue.push(waiter);
    if (queue.length === 1) queueMicrotask(onAcquired);
    return () => {
      const held = queue[0] === waiter;
      queue.splice(queue.indexOf(waiter), 1);
      const nextWaiter = queue[0];
      if (held && nextWaiter) queueMicrotask(nextWaiter.onAcquired);
    };
  }
}

/** BroadcastChannel: a message reaches every other open channel of the name, a task later. */
class FakeBroadcast {
  private readonly open = new Set<{ listeners: Set<(message: unknown) => void> }>();
  channel(): OutboxChannel {
    const self = { listeners: new Set<(message: unknown) => void>() };
    this.open.add(self);
    return {
      post: (message: OutboxBroadcast) => {
        const copy = structuredClone(message);
        for (const other of this.open) {
          if (other === self) continue;
          void macrotask().then(() => {
            for (const listener of other.listeners) listener(copy);
          });
        }
      },
      listen: (listener) => {
        self.listeners.add(listener);
        return () => self.listeners.delete(listener);
      },
      close: () => {
        this.open.delete(self);
      },
    };
  }
}

let started: Outbox[] = [];

afterEach(async () => {
  for (const outbox of started) await outbox.close();
  started = [];
});

/** One browser: shared IndexedDB, locks and channel, and a tab per `tab()` call. */
function browser(options: { config?: OutboxConfig } = {}) {
  const clock = new ManualClock();
  const server = new FakeServer(clock);
  const store = new MemoryStore();
  const locks = new FakeLocks();
  const broadcast = new FakeBroadcast();
  const onlineListeners = new Set<() => void>();
  const statuses: [string, string, string | null][] = [];
  const tab = (accountName = 'alice') => {
    const outbox = startOutbox({
      accountName,
      store: store.for(accountName),
      send: server.send,
      lock: locks,
      channel: broadcast.channel(),
      clock,
      ...(options.config ? { config: options.config } : {}),
      onOnline(listener) {
        onlineListeners.add(listener);
        return () => onlineListeners.delete(listener);
      },
    });
    outbox.onStatus((id, status, reason) => statuses.push([id, status, reason]));
    started.push(outbox);
    return outbox;
  };
  const goOnline = () => {
    for (const listener of onlineListeners) listener();
  };
  return { clock, server, store, tab, goOnline, statuses };
}

const statusOf = (outbox: Outbox, id: string) => outbox.snapshot().find((entry) => entry.id === id)?.status;

describe('the outbox runner', () => {
  it('sends a new message at once; a 202 makes it Enqueued and takes it off the queue', async () => {
    const { clock, server, store, tab, statuses } = browser();
    const outbox = tab();
    await clock.advance(0);
    expect(outbox.isSender()).toBe(true);
    const entry = await outbox.enqueue(envelope(1));
    expect(entry).toMatchObject({ id: envelope(1).id, to: 'bob', status: 'sending' });
    expect(entry).not.toHaveProperty('envelope');
    await clock.advance(0);
    expect(server.posts).toEqual([envelope(1).id]);
    expect(statusOf(outbox, envelope(1).id)).toBe('enqueued');
    expect(statuses).toEqual([[envelope(1).id, 'enqueued', null]]);
    await outbox.idle();
    expect(store.records.size).toBe(0);
  });

  it('makes 5 tries of 12 s, waits, and sends again on a keep-alive from the push channel', async () => {
    const { clock, server, store, tab } = browser();
    server.mode = 'silent';
    const outbox = tab();
    await outbox.enqueue(envelope(1));
    await clock.advance(59 * SECOND);
    expect(server.posts).toHaveLength(5);
    await clock.advance(1 * SECOND);
    expect(server.aborted).toBe(5);
    const [waiting] = outbox.snapshot();
    expect(waiting).toMatchObject({ state: 'waiting', status: 'sending', attempts: 5 });
    expect(store.records.get(envelope(1).id)).toMatchObject({ state: 'waiting', attempts: 5 });
    await clock.advance(10 * 60 * SECOND);
    expect(server.posts).toHaveLength(5);

    server.mode = 'up';
    outbox.trigger('keep-alive');
    await clock.advance(0);
    expect(server.posts).toHaveLength(6);
    expect(statusOf(outbox, envelope(1).id)).toBe('enqueued');
  });

  it('sends again when the browser comes back online, or the user sends another message', async () => {
    const { clock, server, tab, goOnline } = browser();
    server.mode = 'down';
    const outbox = tab();
    await outbox.enqueue(envelope(1));
    await clock.advance(60 * SECOND);
    expect(server.posts).toHaveLength(5);

    goOnline();
    await clock.advance(0);
    expect(server.posts).toHaveLength(6);
    await clock.advance(60 * SECOND);
    expect(server.posts).toHaveLength(10);

    server.mode = 'up';
    await outbox.enqueue(envelope(2));
    await clock.advance(0);
    expect(server.posts.slice(10).sort()).toEqual([envelope(1).id, envelope(2).id].sort());
    expect(outbox.snapshot().map((entry) => entry.status)).toEqual(['enqueued', 'enqueued']);
  });

  it('gives up after 12 h with "not sent within 12 h", removes it, and tells every tab', async () => {
    const { clock, server, store, tab, statuses } = browser();
    server.mode = 'down';
    const sender = tab();
    const other = tab();
    await sender.enqueue(envelope(1));
    await clock.advance(12 * HOUR - 1);
    expect(statusOf(other, envelope(1).id)).toBe('sending');
    await clock.advance(1);
    expect(statusOf(sender, envelope(1).id)).toBe('error');
    expect(other.snapshot()[0]).toMatchObject({ status: 'error', errorReason: 'not sent within 12 h' });
    expect(statuses).toEqual([
      [envelope(1).id, 'error', 'not sent within 12 h'],
      [envelope(1).id, 'error', 'not sent within 12 h'],
    ]);
    expect(store.records.size).toBe(0);
    expect([sender.isSender(), other.isSender()]).toEqual([true, false]);
  });

  it('resends after a timeout whose request reached the server, which stores the message once', async () => {
    const { clock, server, tab } = browser();
    server.mode = 'stores-silently';
    const outbox = tab();
    await outbox.enqueue(envelope(1));
    await clock.advance(0);
    server.mode = 'up';
    await clock.advance(12 * SECOND);
    expect(server.posts).toEqual([envelope(1).id, envelope(1).id]);
    expect(server.stored.size).toBe(1);
    expect(server.stored.get(envelope(1).id)?.acceptedAt).toBe(T0);
    expect(statusOf(outbox, envelope(1).id)).toBe('enqueued');
  });

  it('fails a message the server refuses for good, with its message, after one try', async () => {
    const { clock, server, tab, statuses } = browser();
    server.mode = { status: 413 };
    const outbox = tab();
    await outbox.enqueue(envelope(1));
    await clock.advance(60 * SECOND);
    expect(server.posts).toHaveLength(1);
    expect(statuses).toEqual([[envelope(1).id, 'error', 'Refused with 413.']]);
  });

  it('waits as long as a 429 asks', async () => {
    const { clock, server, tab } = browser();
    server.mode = { status: 429, retryAfter: 90 };
    const outbox = tab();
    await outbox.enqueue(envelope(1));
    await clock.advance(0);
    server.mode = 'up';
    await clock.advance(89 * SECOND);
    expect(server.posts).toHaveLength(1);
    await clock.advance(1 * SECOND);
    expect(server.posts).toHaveLength(2);
    expect(statusOf(outbox, envelope(1).id)).toBe('enqueued');
  });

  it('sends from one tab only: another tab forwards its message and follows the result', async () => {
    const { clock, server, tab, statuses } = browser();
    const first = tab();
    const second = tab();
    await clock.advance(0);
    expect([first.isSender(), second.isSender()]).toEqual([true, false]);

    await second.enqueue(envelope(1));
    expect(statusOf(second, envelope(1).id)).toBe('sending');
    await clock.advance(0);
    expect(server.posts).toEqual([envelope(1).id]);
    expect(statusOf(first, envelope(1).id)).toBe('enqueued');
    expect(statusOf(second, envelope(1).id)).toBe('enqueued');
    expect(statuses).toHaveLength(2);
  });

  it('forwards triggers from a tab that does not send', async () => {
    const { clock, server, tab } = browser();
    server.mode = 'down';
    const first = tab();
    const second = tab();
    await first.enqueue(envelope(1));
    await clock.advance(60 * SECOND);
    expect(server.posts).toHaveLength(5);
    server.mode = 'up';
    second.trigger('reconnected');
    await clock.advance(0);
    expect(server.posts).toHaveLength(6);
    expect(statusOf(second, envelope(1).id)).toBe('enqueued');
  });

  it('when the sending tab closes mid-try, the next tab takes over from storage and the server stores it once', async () => {
    const { clock, server, tab } = browser();
    server.mode = 'stores-silently';
    const first = tab();
    const second = tab();
    await first.enqueue(envelope(1));
    await clock.advance(3 * SECOND);
    expect(second.snapshot()[0]).toMatchObject({ attempts: 1, status: 'sending' });

    server.mode = 'up';
    await first.close();
    await clock.advance(0);
    expect(second.isSender()).toBe(true);
    expect(server.posts).toEqual([envelope(1).id, envelope(1).id]);
    expect(server.stored.size).toBe(1);
    expect(statusOf(second, envelope(1).id)).toBe('enqueued');
    // The closed tab's abandoned try changes nothing later.
    await clock.advance(20 * SECOND);
    expect(server.posts).toHaveLength(2);
  });

  it('keeps the queue across a reload, and keeps accounts apart', async () => {
    const { clock, server, store, tab } = browser();
    server.mode = 'down';
    const before = tab('alice');
    await before.enqueue(envelope(1));
    await clock.advance(60 * SECOND);
    await before.close();
    expect(store.records.get(envelope(1).id)).toMatchObject({ state: 'waiting' });

    const carol = tab('carol');
    await clock.advance(0);
    expect(carol.isSender()).toBe(true);
    expect(carol.snapshot()).toEqual([]);

    server.mode = 'up';
    const after = tab('alice');
    await clock.advance(0);
    // A waiting item stays waiting across the reload, until a trigger (the push channel connects on load).
    expect(after.snapshot()[0]).toMatchObject({ state: 'waiting', status: 'sending' });
    after.trigger('reconnected');
    await clock.advance(0);
    expect(statusOf(after, envelope(1).id)).toBe('enqueued');
    expect(server.posts.filter((id) => id === envelope(1).id)).toHaveLength(6);
  });

  it('uses the configured values', async () => {
    const config = { sendTries: 2, sendTimeoutMs: 500, outboxExpiryMs: 5 * SECOND };
    const { clock, server, tab, statuses } = browser({ config });
    server.mode = 'silent';
    const outbox = tab();
    await outbox.enqueue(envelope(1));
    await clock.advance(1 * SECOND);
    expect(server.posts).toHaveLength(2);
    expect(outbox.snapshot()[0]?.state).toBe('waiting');
    await clock.advance(4 * SECOND);
    expect(statuses).toEqual([[envelope(1).id, 'error', 'not sent within 5 s']]);
  });
});
