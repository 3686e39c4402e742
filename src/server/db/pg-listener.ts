import type pg from 'pg';
import type { Cancel, Clock } from '../clock';
import type { Logger } from '../log';

// One connection per instance that is not from the pool: LISTEN and session-level advisory locks belong to
// a connection, so it must be one of our own, opened straight to PostgreSQL (a transaction pooler such as
// PgBouncer in transaction mode would hand the LISTEN to whichever client came next).

export interface PgListenerDeps {
  /** A fresh, unconnected client with the store's settings. */
  newClient: () => pg.Client;
  channels: readonly string[];
  clock: Clock;
  log: Logger;
  /** How soon to try again after the connection is lost: doubling from `firstMs` up to `maxMs`. */
  backoff?: { firstMs: number; maxMs: number };
}

export interface PgListener {
  /** Connects and listens; rejects when the first attempt fails, so a server does not start half wired. */
  start(): Promise<void>;
  /** Called with each notification on one of the channels. */
  onNotification(handler: (channel: string, payload: string) => void): void;
  /**
   * Called each time the connection is listening again after it was lost: notifications sent meanwhile
   * are gone, and the handler re-reads what they would have said.
   */
  onReconnected(handler: () => void): void;
  connected(): boolean;
  /** Runs a statement on this connection (advisory locks); rejects at once when it is not connected. */
  query<Row extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<Row[]>;
  /** The server process behind the connection, or null when there is none (tests end it on purpose). */
  backendPid(): number | null;
  close(): Promise<void>;
}

const DEFAULT_BACKOFF = { firstMs: 100, maxMs: 5_000 };

export function createPgListener(deps: PgListenerDeps): PgListener {
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const notificationHandlers: ((channel: string, payload: string) => void)[] = [];
  const reconnectHandlers: (() => void)[] = [];
  let current: { client: pg.Client; pid: number } | null = null;
  let failures = 0;
  let everConnected = false;
  let closed = false;
  let retry: Cancel | null = null;

  async function connect(): Promise<void> {
    const client = deps.newClient();
    let gone = false;
    const lost = (error?: unknown) => {
      if (gone) return;
      gone = true;
      if (current?.client === client) current = null;
      client.end().catch(() => undefined);
      // Before the first connection, start() rejects instead, and the server does not start.
      if (closed || !everConnected) return;
      deps.log.warn({ err: error }, 'PostgreSQL listening connection lost');
      scheduleRetry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      for (const handler of notificationHandlers) {
        try {
          handler(message.channel, message.payload ?? '');
        } catch (error) {
          deps.log.error({ err: error }, 'notification handler failed');
        }
      }
    });
    try {
      await client.connect();
      for (const channel of deps.channels) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      if (gone || closed) {
        await client.end().catch(() => undefined);
        return;
      }
      current = { client, pid: rows[0]?.pid ?? 0 };
    } catch (error) {
      if (!everConnected) {
        gone = true;
        await client.end().catch(() => undefined);
        throw error;
      }
      lost(error);
      return;
    }
    failures = 0;
    const again = everConnected;
    everConnected = true;
    if (again) {
      deps.log.info('PostgreSQL listening connection back');
      for (const handler of reconnectHandlers) handler();
    }
  }

  function scheduleRetry(): void {
    if (closed || retry) return;
    // Jittered, so instances that lost PostgreSQL together do not all come back in the same millisecond.
    const ceiling = Math.min(backoff.maxMs, backoff.firstMs * 2 ** failures);
    failures += 1;
    retry = deps.clock.setTimeout(
      () => {
        retry = null;
        void connect();
      },
      Math.round(ceiling / 2 + (Math.random() * ceiling) / 2),
    );
  }

  return {
    start: () => connect(),
    onNotification: (handler) => void notificationHandlers.push(handler),
    onReconnected: (handler) => void reconnectHandlers.push(handler),
    connected: () => current !== null,
    async query<Row extends pg.QueryResultRow>(text: string, values: unknown[]) {
      if (!current) throw new Error('The PostgreSQL listening connection is down.');
      return (await current.client.query<Row>(text, values)).rows;
    },
    backendPid: () => current?.pid ?? null,
    async close() {
      closed = true;
      retry?.();
      retry = null;
      const client = current?.client;
      current = null;
      await client?.end().catch(() => undefined);
    },
  };
}
