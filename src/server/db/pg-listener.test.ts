import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { memoryLogger } from '../log';
import { createPgListener, type PgListener } from './pg-listener';

// The listening connection against a real PostgreSQL, its retries on a manual clock: a test cuts the
// connection with pg_terminate_backend, as a failover or an idle-connection reaper would.

const url = process.env.TEST_DATABASE_URL;
// Nothing listens here: a connection to it fails at once, as to a PostgreSQL that is down.
const unreachable = 'postgres://postgres@127.0.0.1:1/test';

describe.skipIf(!url)('the PostgreSQL listening connection', () => {
  const open: PgListener[] = [];
  let admin: pg.Client;
  const channel = `ch_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    return () => admin.end();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((listener) => listener.close()));
  });

  /** A listener whose next connections go wherever `target.url` points at the time. */
  function setUp(channels = [channel], backoff = { firstMs: 100, maxMs: 1_000 }) {
    const manual = manualClock();
    // Every wait the listener asks for, as asked: the retry steps are read from here.
    const delays: number[] = [];
    const clock = {
      ...manual,
      setTimeout: (callback: () => void, ms: number) => {
        delays.push(ms);
        return manual.setTimeout(callback, ms);
      },
    };
    const { log, lines } = memoryLogger();
    const target = { url: url ?? '', clients: 0 };
    const listener = createPgListener({
      newClient: () => {
        target.clients += 1;
        return new pg.Client({ connectionString: target.url, connectionTimeoutMillis: 2_000 });
      },
      channels,
      clock,
      log,
      backoff,
    });
    open.push(listener);
    const heard: [string, string][] = [];
    listener.onNotification((from, payload) => heard.push([from, payload]));
    let reconnects = 0;
    listener.onReconnected(() => (reconnects += 1));
    return { clock, lines, target, listener, heard, delays, reconnects: () => reconnects };
  }

  const notify = (name: string, payload: string) => admin.query('select pg_notify($1, $2)', [name, payload]);
  const cut = (pid: number | null) => admin.query('select pg_terminate_backend($1)', [pid]);
  const messages = (lines: Record<string, unknown>[]) => lines.map((line) => line.msg);

  it('hears each of its channels, and only those, with the payload as sent', async () => {
    const other = `${channel}_other`;
    const { listener, heard } = setUp([channel, `${channel}_2`]);
    await listener.start();
    expect(listener.connected()).toBe(true);
    await notify(channel, 'one');
    await notify(other, 'not ours');
    await notify(`${channel}_2`, 'two');
    await notify(channel, '');
    await expect.poll(() => heard.length).toBe(3);
    expect(heard).toEqual([
      [channel, 'one'],
      [`${channel}_2`, 'two'],
      [channel, ''],
    ]);
  });

  it('keeps telling the other handlers when one throws, and logs the failure', async () => {
    const { listener, heard, lines } = setUp();
    listener.onNotification(() => {
      throw new Error('handler broke');
    });
    const after: string[] = [];
    listener.onNotification((_from, payload) => after.push(payload));
    await listener.start();
    await notify(channel, 'a');
    await notify(channel, 'b');
    await expect.poll(() => after).toEqual(['a', 'b']);
    expect(heard.map(([, payload]) => payload)).toEqual(['a', 'b']);
    expect(messages(lines).filter((msg) => msg === 'notification handler failed')).toHaveLength(2);
  });

  it('rejects start when PostgreSQL cannot be reached, and does not retry by itself', async () => {
    const { listener, target, clock, lines } = setUp();
    target.url = unreachable;
    await expect(listener.start()).rejects.toThrow();
    expect(listener.connected()).toBe(false);
    expect(listener.backendPid()).toBeNull();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(60_000);
    expect(target.clients).toBe(1);
    expect(lines).toEqual([]);
  });

  it('runs statements on its own connection, and refuses them at once while it is down', async () => {
    const { listener } = setUp();
    await expect(listener.query('select 1 as one', [])).rejects.toThrow(
      'The PostgreSQL listening connection is down.',
    );
    await listener.start();
    const pid = listener.backendPid();
    expect(pid).toEqual(expect.any(Number));
    expect(pid).toBeGreaterThan(0);
    expect(await listener.query<{ pid: number }>('select pg_backend_pid() as pid', [])).toEqual([{ pid }]);
    expect(await listener.query<{ sum: number }>('select $1::int + $2::int as sum', [2, 3])).toEqual([
      { sum: 5 },
    ]);
  });

  it('comes back after the connection is cut, listening again, and says so once', async () => {
    const { listener, clock, heard, lines, reconnects } = setUp();
    await listener.start();
    const firstPid = listener.backendPid();
    expect(reconnects()).toBe(0);

    await cut(firstPid);
    await expect.poll(() => listener.connected()).toBe(false);
    expect(listener.backendPid()).toBeNull();
    expect(messages(lines)).toContain('PostgreSQL listening connection lost');
    await expect(listener.query('select 1', [])).rejects.toThrow('down');
    // The first retry falls between half the first step and the whole of it.
    await clock.untilTimers(1);
    await clock.advance(49);
    expect(listener.connected()).toBe(false);
    await clock.advance(51);
    await expect.poll(() => listener.connected()).toBe(true);
    expect(reconnects()).toBe(1);
    expect(listener.backendPid()).not.toBe(firstPid);
    expect(messages(lines)).toContain('PostgreSQL listening connection back');

    // Listening again: what is sent now is heard.
    await notify(channel, 'after');
    await expect.poll(() => heard).toEqual([[channel, 'after']]);
  });

  it('waits twice as long after each failed attempt, up to the ceiling, and starts over once back', async () => {
    const { listener, clock, target, reconnects, delays } = setUp([channel], { firstMs: 100, maxMs: 400 });
    await listener.start();
    target.url = unreachable;
    await cut(listener.backendPid());
    await expect.poll(() => listener.connected()).toBe(false);

    /** Lets the pending retry fire and waits until its attempt is made and, when it fails, the next set. */
    const nextAttempt = async (fails: boolean) => {
      await clock.untilTimers(1);
      const before = target.clients;
      // In steps shorter than any wait, so a failure quick enough to set the next one is not run past.
      for (let step = 0; step < 40 && target.clients === before; step++) await clock.advance(10);
      expect(target.clients).toBe(before + 1);
      if (fails) await clock.untilTimers(1);
    };
    for (let attempt = 0; attempt < 4; attempt++) await nextAttempt(true);
    expect(reconnects()).toBe(0);
    // PostgreSQL is back: the next attempt connects, and after the next cut the steps start again.
    target.url = url ?? '';
    await nextAttempt(false);
    await expect.poll(() => listener.connected()).toBe(true);
    expect(reconnects()).toBe(1);
    await cut(listener.backendPid());
    await expect.poll(() => listener.connected()).toBe(false);
    await clock.untilTimers(1);

    // Each wait falls between half its step and the whole of it: jittered, so instances part ways.
    const ceilings = [100, 200, 400, 400, 400, 100];
    expect(delays).toHaveLength(ceilings.length);
    delays.forEach((delay, index) => {
      const ceiling = ceilings[index] ?? 0;
      expect(delay, `wait ${index + 1}`).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay, `wait ${index + 1}`).toBeLessThanOrEqual(ceiling);
    });
  });

  it('stops for good when closed: no retry, no connection, and a pending retry is called off', async () => {
    const { listener, clock, target } = setUp();
    await listener.start();
    await cut(listener.backendPid());
    await expect.poll(() => listener.connected()).toBe(false);
    await clock.untilTimers(1);
    await listener.close();
    expect(clock.pendingTimers()).toBe(0);
    const clients = target.clients;
    await clock.advance(10_000);
    expect(target.clients).toBe(clients);
    expect(listener.connected()).toBe(false);

    // Closed while connected: the connection ends on the server too.
    const second = setUp();
    await second.listener.start();
    const pid = second.listener.backendPid();
    await second.listener.close();
    expect(second.listener.connected()).toBe(false);
    await expect
      .poll(async () => (await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount)
      .toBe(0);
    await second.clock.advance(10_000);
    expect(second.clock.pendingTimers()).toBe(0);
  });

  it('closed while the first connection is being made, leaves nothing open', async () => {
    const { listener } = setUp();
    const starting = listener.start();
    await listener.close();
    await starting;
    expect(listener.connected()).toBe(false);
    expect(listener.backendPid()).toBeNull();
  });
});
