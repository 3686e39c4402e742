import { z } from 'zod';
import { envelopeV1Schema, type EnvelopeV1, type IncomingMessage } from '../shared/protocol/messages';
import { serverEventSchema, type ServerEvent } from '../shared/protocol/events';
import { HOUR, MINUTE, SECOND } from '../shared/rules';
import type { Clock } from './clock';
import type { Config } from './config';
import {
  listEventsAfter,
  listEventsAfterEach,
  listEventsBySeq,
  latestEventSeq,
  type AccountEventRow,
} from './db/events';
import {
  acknowledgeMessage,
  failMessage,
  findHeldMessage,
  findHeldMessages,
  heldMessageKey,
  insertMessage,
  listExpiredMessages,
  listPendingMessages,
  type HeldMessageRef,
  type HeldMessageRow,
} from './db/messages';
import { mayWrite } from './db/ring';
import type { Db } from './db/schema';
import { transact } from './db/transaction';
import type { EventBus } from './push/event-bus';
import type { LoggedEvent } from './push/pg-event-bus';
import type { Replay, ReplayFrame } from './push/push-streams';
import { messageAad, type ServerKeyring } from './server-keys';

// Store-and-forward for sealed envelopes (DESIGN §2–§5). The server never opens an envelope: it checks
// who may send to whom, stores each one sealed again under the server key, pushes it to the recipient,
// and tells the sender when it was delivered or when the hold ran out.

export interface MessagingDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  config: Config;
  keyring: ServerKeyring;
}

/** Most pending messages listed (or replayed on a fresh stream) at once; the rest follow after acks. */
export const PENDING_LIMIT = 500;
/** Log entries read per query while replaying a stream. */
const REPLAY_PAGE = 500;
/** Rows the hold sweep fails per run; the next run takes the rest. */
const EXPIRY_BATCH = 500;

/** "72 h", "90 min", "45 s": the hold as a person reads it in a status. */
export function holdInWords(ms: number): string {
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms >= MINUTE && ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${Math.max(1, Math.round(ms / SECOND))} s`;
}

export function openHeld(keyring: ServerKeyring, row: HeldMessageRow): IncomingMessage {
  const json = keyring.open(
    { sealed: row.sealed, keyVersion: row.keyVersion },
    messageAad(row.senderId, row.id),
  );
  return { envelope: envelopeV1Schema.parse(JSON.parse(json)), acceptedAt: row.acceptedAt };
}

/**
 * Accepts an envelope from `sender` (already checked to be its own). The same steps for every recipient:
 * resolve, seal, store; only a recipient the sender may write to also gets the event. A repeated id stores
 * nothing and returns the first acceptance.
 */
export async function acceptMessage(
  deps: MessagingDeps,
  sender: { id: string; name: string },
  envelope: EnvelopeV1,
): Promise<{ acceptedAt: number }> {
  const now = deps.clock.now();
  const { sealed, keyVersion } = deps.keyring.seal(
    JSON.stringify(envelope),
    messageAad(sender.id, envelope.id),
  );
  return transact(deps.db, deps, async (trx, events) => {
    const recipientId = await mayWrite(trx, sender, envelope.to, now);
    const stored = await insertMessage(trx, {
      id: envelope.id,
      sender_id: sender.id,
      recipient_name: envelope.to,
      recipient_id: recipientId,
      sealed,
      key_version: keyVersion,
      accepted_at: now,
      expires_at: now + deps.config.holdMs,
    });
    if (stored.inserted && recipientId !== null) {
      events.emit(recipientId, { type: 'message', message: { envelope, acceptedAt: now } });
    }
    return { acceptedAt: stored.acceptedAt };
  });
}

/** The recipient's browser stored the message: delivered once, and the sender's browsers are told. */
export async function acknowledge(
  deps: MessagingDeps,
  ack: { recipientId: string; senderName: string; id: string },
): Promise<boolean> {
  const now = deps.clock.now();
  return transact(deps.db, deps, async (trx, events) => {
    const result = await acknowledgeMessage(trx, { ...ack, now });
    if (result.outcome === 'delivered') {
      events.emit(result.senderId, {
        type: 'message.status',
        update: { id: ack.id, to: result.recipientName, status: 'delivered', at: now, reason: null },
      });
    }
    return result.outcome !== 'not_found';
  });
}

export async function pendingMessages(deps: MessagingDeps, recipientId: string): Promise<IncomingMessage[]> {
  const rows = await listPendingMessages(deps.db, recipientId, deps.clock.now(), PENDING_LIMIT);
  return rows.map((row) => openHeld(deps.keyring, row));
}

/**
 * Fails every message past its hold, dropped ones too (so a decoy's sender sees the same Error a real
 * offline recipient's does), destroys its content and tells the sender. Safe to run again: each row fails
 * once. Returns how many failed.
 */
export async function expireHeldMessages(deps: MessagingDeps): Promise<number> {
  const reason = `not delivered within ${holdInWords(deps.config.holdMs)}`;
  let failed = 0;
  for (;;) {
    const now = deps.clock.now();
    const due = await listExpiredMessages(deps.db, now, EXPIRY_BATCH);
    for (const message of due) {
      const done = await transact(deps.db, deps, async (trx, events) => {
        const row = await failMessage(trx, { ...message, now, reason });
        if (row) {
          events.emit(message.senderId, {
            type: 'message.status',
            update: { id: message.id, to: row.recipientName, status: 'error', at: now, reason },
          });
        }
        return row !== null;
      });
      if (done) failed += 1;
    }
    if (due.length < EXPIRY_BATCH) return failed;
  }
}

/** What the log keeps of a message event (see `loggedForm`). */
const messageRefSchema = z.object({ from: z.string(), id: z.string() });

/**
 * A message event read back from the log, or null when its content is gone (expired, or past retention)
 * or it is among `offered`, sent already at the head of this stream.
 */
async function resolveLogged(
  deps: MessagingDeps,
  accountId: string,
  row: { type: string; payload: string },
  offered: ReadonlySet<string>,
): Promise<ServerEvent | null> {
  const parsed: unknown = JSON.parse(row.payload);
  if (row.type !== 'message') return serverEventSchema.parse(parsed);
  const ref = messageRefSchema.parse(parsed);
  if (offered.has(`${ref.from}/${ref.id}`)) return null;
  const held = await findHeldMessage(deps.db, accountId, ref.from, ref.id);
  return held ? { type: 'message', message: openHeld(deps.keyring, held) } : null;
}

const messageKey = (message: IncomingMessage) => `${message.envelope.from}/${message.envelope.id}`;

/**
 * What a new stream sends first. Always the messages still waiting for this browser's acknowledgement,
 * under no number: one seen but never acknowledged (the tab closed before it was stored) is offered again
 * whatever Last-Event-ID says, and the browser keeps it once. Then, with a Last-Event-ID, every other
 * logged event after it, in order; without one (or with one past the log's end, as after a restore from
 * backup), only the current number, so a later reconnect resumes from there.
 */
export async function streamReplay(
  deps: MessagingDeps,
  accountId: string,
  lastEventId: number | null,
): Promise<Replay> {
  const latest = await latestEventSeq(deps.db, accountId);
  const pending = await pendingMessages(deps, accountId);
  const frames = pending.map((message): ReplayFrame => ({ seq: null, event: { type: 'message', message } }));
  const offered = new Set(pending.map(messageKey));
  // Nearly every stream opens with nothing pending: it then keeps no set and no check for its lifetime.
  const alreadySent =
    offered.size === 0
      ? undefined
      : (event: ServerEvent) => event.type === 'message' && offered.has(messageKey(event.message));
  const replay = (after: number, head: number): Replay =>
    alreadySent ? { after, head, frames, alreadySent } : { after, head, frames };
  if (lastEventId === null || lastEventId > latest) return replay(0, latest);
  let head = lastEventId;
  for (;;) {
    const page = await listEventsAfter(deps.db, accountId, head, REPLAY_PAGE);
    for (const row of page) {
      head = row.seq;
      const event = await resolveLogged(deps, accountId, row, offered);
      if (event) frames.push({ seq: row.seq, event });
    }
    if (page.length < REPLAY_PAGE) return replay(lastEventId, head);
  }
}

/**
 * Log rows as a stream would push them, with one look-up for all the messages they point to rather than
 * one each (see `resolveLogged`, which a replay uses).
 */
async function resolveRows(deps: MessagingDeps, rows: AccountEventRow[]): Promise<LoggedEvent[]> {
  const refs: HeldMessageRef[] = [];
  const parsed = rows.map((row): [AccountEventRow, ServerEvent | HeldMessageRef] => {
    const payload: unknown = JSON.parse(row.payload);
    if (row.type !== 'message') return [row, serverEventSchema.parse(payload)];
    const { from, id } = messageRefSchema.parse(payload);
    const ref: HeldMessageRef = { recipientId: row.accountId, senderName: from, id };
    refs.push(ref);
    return [row, ref];
  });
  const held = refs.length > 0 ? await findHeldMessages(deps.db, refs) : new Map<string, HeldMessageRow>();
  return parsed.map(([row, resolved]): LoggedEvent => {
    if ('type' in resolved) return { userId: row.accountId, seq: row.seq, event: resolved };
    const message = held.get(heldMessageKey(resolved));
    return {
      userId: row.accountId,
      seq: row.seq,
      event: message ? { type: 'message', message: openHeld(deps.keyring, message) } : null,
    };
  });
}

/** Log entries a catch-up reads per account and statement; an account with more is read again. */
const CATCH_UP_PAGE = 200;

/**
 * What the PostgreSQL event bus pushes when the notification came from another instance: the events with
 * these numbers, as a stream's replay would send them.
 */
export async function readLoggedEvents(deps: MessagingDeps, seqs: number[]): Promise<LoggedEvent[]> {
  return resolveRows(deps, await listEventsBySeq(deps.db, seqs));
}

/** Every event after each user's number, oldest first: the bus's catch-up after a lost notification. */
export async function readLoggedEventsAfter(
  deps: MessagingDeps,
  floors: { userId: string; after: number }[],
): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  let pending = floors.map(({ userId, after }) => ({ accountId: userId, after }));
  while (pending.length > 0) {
    const rows = await listEventsAfterEach(deps.db, pending, CATCH_UP_PAGE);
    events.push(...(await resolveRows(deps, rows)));
    const counts = new Map<string, { count: number; last: number }>();
    for (const row of rows) {
      const seen = counts.get(row.accountId) ?? { count: 0, last: 0 };
      counts.set(row.accountId, { count: seen.count + 1, last: Math.max(seen.last, row.seq) });
    }
    pending = [...counts]
      .filter(([, seen]) => seen.count === CATCH_UP_PAGE)
      .map(([accountId, seen]) => ({ accountId, after: seen.last }));
  }
  return events.sort((a, b) => a.seq - b.seq);
}
