import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EnvelopeV1 } from '../../../shared/protocol/messages';
import { ApiRequestError } from '../api-client';
import { openRingpostDb, type RingpostDatabase } from '../db';
import type { OutboxConfig } from './outbox-machine';
import { startOutbox, type Outbox, type SendEnvelope } from './outbox-runner';
import { indexedDbOutboxStore } from './outbox-store';
import { browserOutboxChannel, outboxChannelName, webLock } from './send-lock';

// Runs in Chromium: two outboxes in one page stand for two tabs of the account, with the browser's real
// Web Locks, BroadcastChannel and IndexedDB; only the server is a stand-in (its real rule: an id is stored
// once and a repeat gets the first answer). Timings are shortened through the config, as GET /api/config
// would shorten them.

const config: OutboxConfig = { sendTries: 2, sendTimeoutMs: 300, outboxExpiryMs: 60_000 };
const databases: RingpostDatabase[] = [];
const names: string[] = [];
const running: Outbox[] = [];

function envelope(n: number): EnvelopeV1 {
  return {
    v: 1,
    id: `${crypto.randomUUID().replaceAll('-', '').slice(0, 19)}${String(n).padStart(3, '0')}`,
    from: 'alice',
    to: 'bob',
    ts: Date.now(),
    kid: { from: 'aa'.repeat(32), to: 'bb'.repeat(32) },
    iv: 'A'.repeat(16),
    ct: 'A'.repeat(1_387),
    wk: { to: 'A'.repeat(171), from: 'A'.repeat(171) },
    sig: 'A'.repeat(171),
  };
}

class FakeServer {
  up = true;
  readonly stored = new Map<string, number>();
  readonly posts: string[] = [];
  send: SendEnvelope = (item) => {
    this.posts.push(item.id);
    if (!this.up) return Promise.reject(new ApiRequestError(0, 'network', 'Cannot reach Ringpost.'));
    const acceptedAt = this.stored.get(item.id) ?? Date.now();
    this.stored.set(item.id, acceptedAt);
    return Promise.resolve({ acceptedAt });
  };
}

async function database(name: string): Promise<RingpostDatabase> {
  const db = await openRingpostDb({ name });
  databases.push(db);
  return db;
}

function tab(accountName: string, db: RingpostDatabase, server: FakeServer): Outbox {
  const outbox = startOutbox({
    accountName,
    config,
    store: indexedDbOutboxStore(accountName, () => Promise.resolve(db)),
    send: server.send,
    lock: webLock(navigator.locks),
    channel: browserOutboxChannel(outboxChannelName(accountName)),
  });
  running.push(outbox);
  return outbox;
}

function statusOf(outbox: Outbox, id: string) {
  return outbox.snapshot().find((entry) => entry.id === id)?.status;
}

function newNames() {
  const name = `outbox-${crypto.randomUUID()}`;
  names.push(name);
  return { dbName: name, account: `alice-${crypto.randomUUID().slice(0, 8)}` };
}

afterEach(async () => {
  for (const outbox of running.splice(0)) await outbox.close();
  for (const db of databases.splice(0)) db.close();
  for (const name of names.splice(0)) {
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error ?? new Error('could not delete'));
    });
  }
});

describe('the outbox in two tabs', () => {
  it('sends each message exactly once, whichever tab it was written in', async () => {
    const { dbName, account } = newNames();
    const server = new FakeServer();
    const db = await database(dbName);
    const first = tab(account, db, server);
    const second = tab(account, db, server);
    await vi.waitFor(() => expect(first.isSender() || second.isSender()).toBe(true));
    expect(first.isSender() && second.isSender()).toBe(false);

    const fromFirst = envelope(1);
    const fromSecond = envelope(2);
    await first.enqueue(fromFirst);
    await second.enqueue(fromSecond);
    for (const outbox of [first, second]) {
      await vi.waitFor(() => {
        expect(statusOf(outbox, fromFirst.id)).toBe('enqueued');
        expect(statusOf(outbox, fromSecond.id)).toBe('enqueued');
      });
    }
    // Give a second sender, were there one, time to post too.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.posts.sort()).toEqual([fromFirst.id, fromSecond.id].sort());
    await Promise.all([first.idle(), second.idle()]);
    expect(await db.count('outbox')).toBe(0);
  });

  it('when the sending tab closes, the other takes the lock and sends what is waiting', async () => {
    const { dbName, account } = newNames();
    const server = new FakeServer();
    server.up = false;
    const db = await database(dbName);
    const first = tab(account, db, server);
    await vi.waitFor(() => expect(first.isSender()).toBe(true));
    const second = tab(account, db, server);

    const waiting = envelope(1);
    await first.enqueue(waiting);
    await vi.waitFor(() => expect(second.snapshot()[0]).toMatchObject({ state: 'waiting', attempts: 2 }));
    expect(server.posts).toHaveLength(2);

    server.up = true;
    await first.close();
    await vi.waitFor(() => expect(second.isSender()).toBe(true));
    second.trigger('reconnected');
    await vi.waitFor(() => expect(statusOf(second, waiting.id)).toBe('enqueued'));
    expect(server.stored.size).toBe(1);
    expect(server.posts).toHaveLength(3);
  });

  it('keeps the queue when the database is closed and opened again, as after a browser restart', async () => {
    const { dbName, account } = newNames();
    const server = new FakeServer();
    server.up = false;
    const db = await database(dbName);
    const before = tab(account, db, server);
    const queued = envelope(1);
    await before.enqueue(queued);
    await vi.waitFor(() => expect(before.snapshot()[0]?.state).toBe('waiting'));
    await before.close();
    db.close();

    const reopened = await database(dbName);
    expect(await reopened.get('outbox', queued.id)).toMatchObject({
      accountName: account,
      state: 'waiting',
      envelope: queued,
    });
    // Another account in the same browser sees none of it.
    expect(await indexedDbOutboxStore('carol', () => Promise.resolve(reopened)).list()).toEqual([]);

    server.up = true;
    const after = tab(account, reopened, server);
    await vi.waitFor(() => expect(after.isSender()).toBe(true));
    await vi.waitFor(() => expect(after.snapshot()[0]?.id).toBe(queued.id));
    after.trigger('online');
    await vi.waitFor(() => expect(statusOf(after, queued.id)).toBe('enqueued'));
    await after.idle();
    expect(await reopened.count('outbox')).toBe(0);
    expect(server.stored.has(queued.id)).toBe(true);
  });
});
