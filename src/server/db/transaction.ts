import { PostgresAdapter } from 'kysely';
import type { ServerEvent } from '../../shared/protocol/events';
import type { Clock } from '../clock';
import type { EventBus } from '../push/event-bus';
import { appendEvents } from './events';
import type { Appended } from './notify';
import type { Db } from './schema';

export interface PendingEvents {
  /** Queues an event for `userId`: appended to their log in this transaction, pushed once it commits. */
  emit(userId: string, event: ServerEvent): void;
}

/** Where committed events go, and the clock that dates them in the log. */
export interface Publisher {
  bus: EventBus;
  clock: Clock;
}

/**
 * What the log keeps of an event. A message keeps only a reference to its row: the envelope is stored
 * once, sealed, and is gone from the replay too once its content is destroyed.
 */
export function loggedForm(event: ServerEvent): { type: string; payload: string } {
  if (event.type === 'message') {
    const { from, id } = event.message.envelope;
    return { type: event.type, payload: JSON.stringify({ from, id }) };
  }
  return { type: event.type, payload: JSON.stringify(event) };
}

interface Job {
  publisher: Publisher;
  work: (trx: Db, events: PendingEvents) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Batches committing at once on PostgreSQL; its pool holds 10 connections, the rest serve reads. */
const POSTGRES_LANES = 4;

/** Most writes committed together: a bound on how long one batch holds the database. */
export const MAX_BATCH = 256;

/**
 * Group commit: writes that arrive while a commit is under way wait for it and then commit together,
 * so a burst pays one flush to disk (SQLite's fsync, PostgreSQL's WAL flush) instead of one each, with
 * the same durability. A write that throws is rolled back alone: its batch is retried one write at a
 * time. So a write's work must touch nothing but its transaction (and say what to push through `emit`):
 * it may run twice.
 */
class GroupCommit {
  readonly #db: Db;
  readonly #maxLanes: number;
  #queue: Job[] = [];
  #scheduled = false;
  #lanes = 0;
  readonly stats = { batches: 0, writes: 0, largest: 0 };

  constructor(db: Db) {
    this.#db = db;
    // SQLite has one writer, so one batch at a time. PostgreSQL commits batches side by side on its pool,
    // where one batch at a time would leave a write waiting on the network round trips of another's.
    this.#maxLanes = db.getExecutor().adapter instanceof PostgresAdapter ? POSTGRES_LANES : 1;
  }

  run<T>(publisher: Publisher, work: (trx: Db, events: PendingEvents) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ publisher, work, resolve: resolve as (value: unknown) => void, reject });
      this.#kick();
    });
  }

  /**
   * The one gate on the lanes: only the callback scheduled here takes a lane, and it takes it before any
   * await, so the lane and the queued writes counted here are still there when it runs.
   */
  #kick(): void {
    if (this.#scheduled || this.#lanes >= this.#maxLanes || this.#queue.length === 0) return;
    this.#scheduled = true;
    // After the requests already read from the sockets in this turn have queued their writes too.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#lanes += 1;
    const jobs = this.#queue.splice(0, MAX_BATCH);
    this.#kick();
    try {
      await this.#commit(jobs);
    } finally {
      this.#lanes -= 1;
    }
    this.#kick();
  }

  async #commit(jobs: Job[]): Promise<void> {
    if (jobs.length > 1) {
      const together = await this.#attempt(jobs);
      if (together.ok) return this.#settle(jobs, together.outcomes);
      // One write failed, or the commit did: nothing of the batch is written. Each runs again on its own,
      // so a failure is only ever its own write's. Rare (requests are checked before they write), and
      // cheaper than a savepoint around every write of every batch.
    }
    for (const job of jobs) {
      const alone = await this.#attempt([job]);
      if (alone.ok) this.#settle([job], alone.outcomes);
      else job.reject(alone.error);
    }
  }

  async #attempt(jobs: Job[]): Promise<{ ok: true; outcomes: Done[] } | { ok: false; error: unknown }> {
    try {
      const outcomes = await this.#db.transaction().execute(async (trx) => {
        const done: Done[] = [];
        const appends: { job: number; userId: string; event: ServerEvent }[] = [];
        for (const [index, job] of jobs.entries()) {
          const value = await job.work(trx, {
            emit: (userId, event) => appends.push({ job: index, userId, event }),
          });
          done.push({ value, logged: [] });
        }
        // The log's appends last, in account order: each locks its account's head row (see appendEvents),
        // and batches committing side by side then take those locks in one order, never in a cycle. The
        // sort is stable, so one account's events keep the order they were emitted in.
        appends.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
        const seqs = await appendEvents(
          trx,
          appends.map(({ job, userId, event }) => ({
            accountId: userId,
            event: loggedForm(event),
            now: jobs[job]?.publisher.clock.now() ?? Date.now(),
          })),
        );
        const announced = new Map<EventBus, Appended[]>();
        appends.forEach(({ job, userId, event }, index) => {
          const seq = seqs[index];
          const bus = jobs[job]?.publisher.bus;
          if (seq === undefined || !bus) throw new Error('The event log numbered too few events.');
          done[job]?.logged.push([userId, event, seq]);
          let entries = announced.get(bus);
          if (!entries) announced.set(bus, (entries = []));
          entries.push({ userId, seq });
        });
        // Other instances hear of the appends when this transaction commits, and never if it rolls back.
        for (const [bus, entries] of announced) await bus.announce(trx, entries);
        return done;
      });
      return { ok: true, outcomes };
    } catch (error) {
      return { ok: false, error };
    }
  }

  #settle(jobs: Job[], outcomes: Done[]): void {
    this.stats.batches += 1;
    this.stats.writes += jobs.length;
    this.stats.largest = Math.max(this.stats.largest, jobs.length);
    jobs.forEach((job, index) => {
      const outcome = outcomes[index];
      if (!outcome) return job.reject(new Error('The write was not run.'));
      for (const [userId, event, seq] of outcome.logged) job.publisher.bus.publish(userId, event, seq);
      job.resolve(outcome.value);
    });
  }
}

interface Done {
  value: unknown;
  logged: Logged[];
}

type Logged = [userId: string, event: ServerEvent, seq: number];

const groups = new WeakMap<Db, GroupCommit>();

function groupFor(db: Db): GroupCommit {
  let group = groups.get(db);
  if (!group) {
    group = new GroupCommit(db);
    groups.set(db, group);
  }
  return group;
}

/** How the writes on `db` were grouped so far: the bench reports it. */
export function groupCommitStats(db: Db): { batches: number; writes: number; largest: number } {
  return { ...groupFor(db).stats };
}

/**
 * Runs a multi-step write in one transaction, appends the events it queued to their users' logs in that
 * same transaction, and publishes them once it has committed, so nobody is told about a write that was
 * rolled back or that readers cannot see yet, and nothing told is missing from the log. Writes arriving
 * together share one commit (see GroupCommit); each still commits or rolls back as a whole.
 */
export function transact<T>(
  db: Db,
  publisher: Publisher,
  work: (trx: Db, events: PendingEvents) => Promise<T>,
): Promise<T> {
  return groupFor(db).run(publisher, work);
}

/** One event after a write that committed on its own: logged, then pushed. */
export async function notify(
  db: Db,
  publisher: Publisher,
  userId: string,
  event: ServerEvent,
): Promise<void> {
  await transact(db, publisher, (_trx, events) => {
    events.emit(userId, event);
    return Promise.resolve();
  });
}
